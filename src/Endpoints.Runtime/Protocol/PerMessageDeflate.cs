using System.Buffers;
using System.IO.Compression;
using Microsoft.Extensions.Primitives;

namespace Endpoints.Runtime.Protocol;

/// <summary>
/// permessage-deflate (RFC 7692): what was agreed in the handshake. Only a 15-bit window is offered, which is all
/// DeflateStream makes; a client that asks for a smaller server window gets no compression (declining is allowed).
/// </summary>
internal sealed record PerMessageDeflate(bool ServerNoContextTakeover, bool ClientNoContextTakeover, bool ServerMaxWindowBitsOffered = false, int? ClientMaxWindowBits = null)
{
    public const string Name = "permessage-deflate";

    /// <summary>The first offer in the client's Sec-WebSocket-Extensions this server can accept, and the answer to send; nulls to decline.</summary>
    public static (PerMessageDeflate? Agreed, string? Response) Negotiate(StringValues extensionHeaders)
    {
        foreach (var offer in WebSocketHandshake.Tokens(extensionHeaders))
        {
            var parts = offer.Split(';', StringSplitOptions.TrimEntries);
            if (!string.Equals(parts[0], Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (TryAccept(parts.AsSpan(1)) is { } agreed)
            {
                // A server_max_window_bits the client offered is accepted by answering it (RFC 7692 7.1.2.1).
                var response = Name + (agreed.ServerNoContextTakeover ? "; server_no_context_takeover" : "") + (agreed.ClientNoContextTakeover ? "; client_no_context_takeover" : "")
                    + (agreed.ServerMaxWindowBitsOffered ? "; server_max_window_bits=15" : "")
                    // A client that named its window keeps to it; answering the same value says so (ClientWebSocket
                    // refuses an answer without it). Our inflater takes any window up to 15 bits.
                    + (agreed.ClientMaxWindowBits is { } bits ? "; client_max_window_bits=" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
                return (agreed, response);
            }
        }
        return (null, null);
    }

    private static PerMessageDeflate? TryAccept(ReadOnlySpan<string> parameters)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool serverNoTakeover = false, clientNoTakeover = false, serverWindowBits = false;
        int? clientWindowBits = null;
        foreach (var parameter in parameters)
        {
            if (parameter.Length == 0) continue;
            var equals = parameter.IndexOf('=');
            var name = (equals < 0 ? parameter : parameter[..equals]).Trim();
            var value = equals < 0 ? null : parameter[(equals + 1)..].Trim().Trim('"');
            if (!seen.Add(name)) return null; // a parameter twice makes the offer invalid
            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when value is null:
                    serverNoTakeover = true;
                    break;
                case "client_no_context_takeover" when value is null:
                    clientNoTakeover = true;
                    break;
                case "server_max_window_bits":
                    if (value != "15") return null; // a smaller window than DeflateStream's cannot be honoured
                    serverWindowBits = true;
                    break;
                case "client_max_window_bits":
                    // Any window the client uses up to 15 bits inflates with ours.
                    if (value is not null)
                    {
                        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) || bits is < 8 or > 15) return null;
                        clientWindowBits = bits;
                    }
                    break;
                default:
                    return null;
            }
        }
        return new PerMessageDeflate(serverNoTakeover, clientNoTakeover, serverWindowBits, clientWindowBits);
    }
}

/// <summary>
/// Inflates received messages: compressed payload bytes are fed as they arrive, and the message's end adds the
/// 00 00 FF FF that senders strip. One DeflateStream keeps the window across messages, unless the client compresses
/// each message on its own (client_no_context_takeover): then it is dropped after each message, and an idle
/// connection holds none. A deflate stream that ends (a block with BFINAL set, RFC 7692 7.2.3.3) ends its message's
/// data; the next message starts a new one, so it is not lost to the ended stream.
/// </summary>
internal sealed class MessageInflater(bool noContextTakeover = false) : IDisposable
{
    private static readonly byte[] s_trailer = [0x00, 0x00, 0xFF, 0xFF];
    private readonly FeedStream _feed = new();
    private DeflateStream? _deflate;
    private bool _streamEnded;
    private bool _feedingTrailer;
    // Bytes a message carried after its deflate stream ended: a stray byte is tolerated (the RFC's own example has one),
    // an endless tail is not, or a message could go on forever without a byte counted against its limit.
    private int _bytesAfterEnd;
    private const int MaxBytesAfterEnd = 16;

    /// <summary>Whether everything fed has been taken in; only then may the fed memory change.</summary>
    public bool IsDrained => _feed.Remaining == 0;

    /// <summary>Gives the next compressed bytes; the memory must not change until <see cref="IsDrained"/>.</summary>
    public void Feed(ReadOnlyMemory<byte> compressed)
    {
        _feed.Set(compressed);
        _feedingTrailer = false;
    }

    public void FeedEndOfMessage()
    {
        _feed.Set(s_trailer);
        _feedingTrailer = true;
    }

    /// <summary>Inflated bytes of what was fed so far; 0 when it needs more input. Throws <see cref="InvalidDataException"/> for data that is not deflate.</summary>
    public int Read(Span<byte> destination)
    {
        if (_streamEnded)
        {
            IgnoreAfterEnd();
            return 0;
        }
        _deflate ??= new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        var produced = _deflate.Read(destination);
        if (produced == 0 && _feed.Remaining > 0)
        {
            // Nothing produced and input left untaken: the deflate stream has ended (a final block). The rest of the
            // message (the appended trailer at least) is ignored, as zlib leaves it unused; the next message starts a
            // new stream.
            _streamEnded = true;
            IgnoreAfterEnd();
        }
        return produced;
    }

    private void IgnoreAfterEnd()
    {
        if (!_feedingTrailer && (_bytesAfterEnd += _feed.Remaining) > MaxBytesAfterEnd)
        {
            throw new InvalidDataException("Compressed data after the end of the deflate stream.");
        }
        _feed.Set(default);
    }

    /// <summary>The message has been inflated to its end: without context takeover, or after a final block, the next one starts afresh.</summary>
    public void EndMessage()
    {
        _feed.Set(default);
        if (noContextTakeover || _streamEnded) DropStream();
        _streamEnded = false;
        _bytesAfterEnd = 0;
    }

    public void Dispose() => DropStream();

    private void DropStream()
    {
        _deflate?.Dispose();
        _deflate = null;
    }

    /// <summary>The input DeflateStream pulls from: the bytes fed last, then "nothing more for now" (0).</summary>
    private sealed class FeedStream : Stream
    {
        private ReadOnlyMemory<byte> _data;

        public int Remaining => _data.Length;

        public void Set(ReadOnlyMemory<byte> data) => _data = data;

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(buffer.Length, _data.Length);
            _data.Span[..count].CopyTo(buffer);
            _data = _data[count..];
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Compresses sent messages: each is written and sync-flushed, and the trailing 00 00 FF FF is removed from the last
/// fragment. The window carries across messages unless the client asked for server_no_context_takeover.
/// </summary>
internal sealed class MessageDeflater(bool noContextTakeover) : IDisposable
{
    private readonly PooledBufferStream _output = new();
    private DeflateStream? _deflate;

    /// <summary>
    /// Compresses one fragment of a message into a pooled buffer (return it with <see cref="ArrayPool{T}.Return"/>), after
    /// <see cref="Frame.MaxServerHeaderLength"/> bytes left free for the frame header. For the final fragment the trailer is
    /// removed. Returns null when there is nothing to send compressed (an empty message).
    /// </summary>
    public byte[]? Compress(ReadOnlySpan<byte> payload, bool final, out int length)
    {
        _deflate ??= new DeflateStream(_output, CompressionLevel.Fastest, leaveOpen: true);
        _output.Start();
        _deflate.Write(payload);
        _deflate.Flush(); // Z_SYNC_FLUSH: everything so far, ending with 00 00 FF FF
        var buffer = _output.Take(out length);
        if (final && length >= 4) length -= 4;
        if (final && noContextTakeover)
        {
            _deflate.Dispose();
            _deflate = null;
        }
        if (length == 0 && payload.IsEmpty && buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }
        return buffer;
    }

    public void Dispose() => _deflate?.Dispose();

    /// <summary>A write-only stream into a pooled buffer that grows; <see cref="Take"/> hands the buffer over.</summary>
    private sealed class PooledBufferStream : Stream
    {
        private byte[]? _buffer;
        private int _length;

        // Room for the frame header before the data, so the frame goes out without another copy.
        private const int Reserve = Frame.MaxServerHeaderLength;

        public void Start()
        {
            _buffer = null;
            _length = Reserve;
        }

        /// <summary>The buffer (null if nothing was written) and how many bytes follow the reserved header room.</summary>
        public byte[]? Take(out int length)
        {
            length = _buffer is null ? 0 : _length - Reserve;
            var buffer = _buffer;
            _buffer = null;
            _length = Reserve;
            return buffer;
        }

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty) return;
            if (_buffer is null || _length + data.Length > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + data.Length, Math.Max(256, (_buffer?.Length ?? 0) * 2)));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(Reserve, _length - Reserve).CopyTo(larger.AsSpan(Reserve));
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
                _buffer = larger;
            }
            data.CopyTo(_buffer.AsSpan(_length));
            _length += data.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length - Reserve;
        public override long Position { get => _length - Reserve; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
