using System.IO.Compression;

namespace Endpoints.Conformance.Tests.Infrastructure;

/// <summary>permessage-deflate as agreed: the server's answer, checked against what the client offered (RFC 7692 section 7).</summary>
public sealed record DeflateAgreement(bool ServerNoContextTakeover, bool ClientNoContextTakeover, int? ServerMaxWindowBits, int? ClientMaxWindowBits, int OfferIndex)
{
    private const string Name = "permessage-deflate";

    /// <summary>
    /// The agreement the server's Sec-WebSocket-Extensions answer (null: declined) makes out of the client's offers, or an
    /// error saying why the answer is not a valid acceptance of any of them.
    /// </summary>
    public static (DeflateAgreement? Agreement, string? Error) FromResponse(string offers, string? response)
    {
        if (response is null) return (null, null);
        var answers = response.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (answers.Length != 1) return (null, $"The server answered {answers.Length} extensions: '{response}'.");
        if (!TryParse(answers[0], out var answer, out var error)) return (null, $"Invalid answer '{response}': {error}");
        var offerList = offers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var reasons = new List<string>();
        for (var i = 0; i < offerList.Length; i++)
        {
            if (!TryParse(offerList[i], out var offer, out _)) continue;
            if (Accepts(offer, answer, out var reason)) return (answer with { OfferIndex = i }, null);
            reasons.Add($"offer {i + 1}: {reason}");
        }
        return (null, $"The answer '{response}' accepts none of the offers ({string.Join("; ", reasons)}).");
    }

    private static bool Accepts(DeflateAgreement offer, DeflateAgreement answer, out string reason)
    {
        reason = "";
        // 7.1.1.1: a server accepts server_no_context_takeover by including it.
        if (offer.ServerNoContextTakeover && !answer.ServerNoContextTakeover)
        {
            reason = "server_no_context_takeover was asked for and is missing";
            return false;
        }
        // 7.1.2.1: the same or a smaller server_max_window_bits. An answer without it, to an offer of 15, changes nothing.
        if (offer.ServerMaxWindowBits is { } asked)
        {
            var given = answer.ServerMaxWindowBits ?? 15;
            if (given > asked)
            {
                reason = $"server_max_window_bits={asked} was asked for, the answer allows {given}";
                return false;
            }
        }
        // 7.1.2.2: client_max_window_bits only in answer to an offer that has it.
        if (answer.ClientMaxWindowBits is not null && !offer.OfferedClientMaxWindowBits)
        {
            reason = "client_max_window_bits answered without being offered";
            return false;
        }
        return true;
    }

    /// <summary>Whether the offer had client_max_window_bits (with or without a value).</summary>
    private bool OfferedClientMaxWindowBits { get; init; }

    private static bool TryParse(string extension, out DeflateAgreement result, out string error)
    {
        result = new DeflateAgreement(false, false, null, null, 0);
        error = "";
        var parts = extension.Split(';', StringSplitOptions.TrimEntries);
        if (!string.Equals(parts[0], Name, StringComparison.OrdinalIgnoreCase))
        {
            error = $"unknown extension '{parts[0]}'";
            return false;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in parts.Skip(1))
        {
            if (parameter.Length == 0) continue;
            var equals = parameter.IndexOf('=');
            var name = (equals < 0 ? parameter : parameter[..equals]).Trim();
            var value = equals < 0 ? null : parameter[(equals + 1)..].Trim().Trim('"');
            if (!seen.Add(name))
            {
                error = $"'{name}' twice";
                return false;
            }
            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when value is null:
                    result = result with { ServerNoContextTakeover = true };
                    break;
                case "client_no_context_takeover" when value is null:
                    result = result with { ClientNoContextTakeover = true };
                    break;
                case "server_max_window_bits" when int.TryParse(value, out var bits) && bits is >= 8 and <= 15:
                    result = result with { ServerMaxWindowBits = bits };
                    break;
                case "client_max_window_bits" when value is null:
                    result = result with { OfferedClientMaxWindowBits = true };
                    break;
                case "client_max_window_bits" when int.TryParse(value, out var bits) && bits is >= 8 and <= 15:
                    result = result with { ClientMaxWindowBits = bits, OfferedClientMaxWindowBits = true };
                    break;
                default:
                    error = $"invalid parameter '{parameter}'";
                    return false;
            }
        }
        return true;
    }

    /// <summary>The largest window the client may use: the answer's limit, and the hint of its own offer (7.1.2.2).</summary>
    public static int ClientWindowBits(string offers, DeflateAgreement agreement)
    {
        var offer = offers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[agreement.OfferIndex];
        TryParse(offer, out var offered, out _);
        return Math.Min(agreement.ClientMaxWindowBits ?? 15, offered.ClientMaxWindowBits ?? 15);
    }

    public override string ToString() =>
        Name + (ServerNoContextTakeover ? "; server_no_context_takeover" : "") + (ClientNoContextTakeover ? "; client_no_context_takeover" : "")
        + (ServerMaxWindowBits is { } s ? $"; server_max_window_bits={s}" : "") + (ClientMaxWindowBits is { } c ? $"; client_max_window_bits={c}" : "");
}

/// <summary>
/// The client's compressor: each message deflated and sync-flushed, the trailing 00 00 FF FF removed (RFC 7692 7.2.1).
/// A 15-bit window uses <see cref="DeflateStream"/>; a smaller one, which DeflateStream cannot keep to, uses
/// <see cref="SmallWindowDeflater"/>. The window carries across messages unless <c>noContextTakeover</c>.
/// </summary>
public sealed class ClientDeflater(bool noContextTakeover, int windowBits) : IDisposable
{
    private readonly MemoryStream _output = new();
    private DeflateStream? _deflate;
    private readonly SmallWindowDeflater? _small = windowBits < 15 ? new SmallWindowDeflater(windowBits, noContextTakeover) : null;

    public byte[] Compress(ReadOnlySpan<byte> message)
    {
        byte[] compressed;
        if (_small is not null)
        {
            compressed = _small.Compress(message);
        }
        else
        {
            _deflate ??= new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true);
            _output.SetLength(0);
            _deflate.Write(message);
            _deflate.Flush(); // Z_SYNC_FLUSH: ends with 00 00 FF FF
            var all = _output.ToArray();
            if (all.Length < 4 || !all.AsSpan(all.Length - 4).SequenceEqual(Trailer))
            {
                throw new InvalidOperationException("DeflateStream.Flush did not end with a sync flush marker.");
            }
            compressed = all[..^4];
            if (noContextTakeover)
            {
                _deflate.Dispose();
                _deflate = null;
            }
        }
        // An empty message compresses to nothing: one 0x00 (an empty stored block's header; the trailer completes it, 7.2.3.6).
        return compressed.Length == 0 ? [0x00] : compressed;
    }

    internal static ReadOnlySpan<byte> Trailer => [0x00, 0x00, 0xFF, 0xFF];

    public void Dispose() => _deflate?.Dispose();
}

/// <summary>
/// Inflates the server's compressed messages: the payload and the 00 00 FF FF the sender stripped. Keeps the window across
/// messages unless the server agreed to server_no_context_takeover. A deflate stream that ends (BFINAL) ends that message.
/// </summary>
public sealed class ClientInflater(bool noContextTakeover) : IDisposable
{
    private readonly FeedStream _feed = new();
    private DeflateStream? _inflate;

    /// <summary>The message's bytes; throws <see cref="InvalidDataException"/> for data that is not deflate.</summary>
    public byte[] Inflate(byte[] compressed)
    {
        var input = new byte[compressed.Length + 4];
        compressed.CopyTo(input, 0);
        ClientDeflater.Trailer.CopyTo(input.AsSpan(compressed.Length));
        _feed.Set(input);
        _inflate ??= new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        var output = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var ended = false;
        while (true)
        {
            var n = _inflate.Read(buffer);
            if (n > 0)
            {
                output.Write(buffer, 0, n);
                continue;
            }
            // Nothing more: all input taken (the sync flush point), or the stream ended with input left (a final block).
            ended = _feed.Remaining > 0;
            break;
        }
        if (noContextTakeover || ended)
        {
            _inflate.Dispose();
            _inflate = null;
        }
        return output.ToArray();
    }

    public void Dispose() => _inflate?.Dispose();

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
/// A small DEFLATE encoder (RFC 1951: LZ77 with a bounded distance, fixed Huffman codes) for a client that promised a
/// window below 15 bits (client_max_window_bits=9): no back-reference reaches further than 2^bits bytes, into this
/// message or, with context takeover, the ones before it. Each message is one non-final block and a sync flush, trailer
/// removed. Every output is checked by inflating it with a shadow <see cref="ClientInflater"/>.
/// </summary>
public sealed class SmallWindowDeflater(int windowBits, bool noContextTakeover)
{
    private static readonly int[] LengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
    private static readonly int[] LengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    private static readonly int[] DistanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
    private static readonly int[] DistanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

    private readonly int _window = 1 << windowBits;
    private readonly ClientInflater _check = new(noContextTakeover);
    private byte[] _history = [];

    public int WindowBits => windowBits;

    public byte[] Compress(ReadOnlySpan<byte> message)
    {
        var data = new byte[_history.Length + message.Length];
        _history.CopyTo(data, 0);
        message.CopyTo(data.AsSpan(_history.Length));
        var start = _history.Length;

        var head = new int[1 << 15];
        Array.Fill(head, -1);
        var previous = new int[data.Length];
        void Insert(int position)
        {
            if (position + 2 >= data.Length) return;
            var hash = Hash(data, position);
            previous[position] = head[hash];
            head[hash] = position;
        }
        for (var i = 0; i < start; i++) Insert(i);

        var bits = new BitWriter();
        bits.Write(0, 1); // BFINAL = 0
        bits.Write(1, 2); // BTYPE = 01, fixed Huffman codes
        var at = start;
        while (at < data.Length)
        {
            int bestLength = 0, bestDistance = 0;
            if (at + 2 < data.Length)
            {
                var candidate = head[Hash(data, at)];
                var maxLength = Math.Min(258, data.Length - at);
                for (var chain = 0; candidate >= 0 && chain < 128; chain++, candidate = previous[candidate])
                {
                    var distance = at - candidate;
                    if (distance > _window) break; // the chain only gets older
                    var length = 0;
                    while (length < maxLength && data[candidate + length] == data[at + length]) length++;
                    if (length > bestLength)
                    {
                        bestLength = length;
                        bestDistance = distance;
                        if (length == maxLength) break;
                    }
                }
            }
            if (bestLength >= 3)
            {
                WriteLength(bits, bestLength);
                WriteDistance(bits, bestDistance);
                for (var i = 0; i < bestLength; i++) Insert(at + i);
                at += bestLength;
            }
            else
            {
                WriteSymbol(bits, data[at]);
                Insert(at);
                at++;
            }
        }
        WriteSymbol(bits, 256); // end of block
        // The sync flush: an empty stored block (BFINAL 0, BTYPE 00), aligned; its 00 00 FF FF is what the sender strips.
        bits.Write(0, 3);
        var compressed = bits.ToArrayAligned();

        _history = noContextTakeover ? [] : data[Math.Max(0, data.Length - _window)..];

        // The encoder is the test's own: make sure it is right before blaming the server for anything.
        var inflated = _check.Inflate(compressed);
        if (!inflated.AsSpan().SequenceEqual(message)) throw new InvalidOperationException("SmallWindowDeflater produced data that does not inflate to the message.");
        return compressed;
    }

    private static int Hash(byte[] data, int at) => ((data[at] << 10) ^ (data[at + 1] << 5) ^ data[at + 2]) & 0x7FFF;

    private static void WriteSymbol(BitWriter bits, int symbol)
    {
        if (symbol <= 143) bits.WriteHuffman(0x30 + symbol, 8);
        else if (symbol <= 255) bits.WriteHuffman(0x190 + symbol - 144, 9);
        else if (symbol <= 279) bits.WriteHuffman(symbol - 256, 7);
        else bits.WriteHuffman(0xC0 + symbol - 280, 8);
    }

    private static void WriteLength(BitWriter bits, int length)
    {
        var code = LengthBase.Length - 1;
        while (LengthBase[code] > length) code--;
        if (length == 258) code = 28;
        WriteSymbol(bits, 257 + code);
        bits.Write(length - LengthBase[code], LengthExtra[code]);
    }

    private static void WriteDistance(BitWriter bits, int distance)
    {
        var code = DistanceBase.Length - 1;
        while (DistanceBase[code] > distance) code--;
        bits.WriteHuffman(code, 5);
        bits.Write(distance - DistanceBase[code], DistanceExtra[code]);
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _current, _count;

        /// <summary>Bits of a value, least significant first (header fields, extra bits).</summary>
        public void Write(int value, int count)
        {
            for (var i = 0; i < count; i++)
            {
                _current |= ((value >> i) & 1) << _count;
                if (++_count == 8)
                {
                    _bytes.Add((byte)_current);
                    _current = 0;
                    _count = 0;
                }
            }
        }

        /// <summary>A Huffman code: most significant bit first.</summary>
        public void WriteHuffman(int code, int length)
        {
            for (var i = length - 1; i >= 0; i--) Write((code >> i) & 1, 1);
        }

        public byte[] ToArrayAligned()
        {
            if (_count > 0)
            {
                _bytes.Add((byte)_current);
                _current = 0;
                _count = 0;
            }
            return [.. _bytes];
        }
    }
}
