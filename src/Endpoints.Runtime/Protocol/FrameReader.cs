using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Endpoints.Runtime.Protocol;

/// <summary>What the reader found: data, or one of the ways a connection's input ends.</summary>
internal enum ReadSignal
{
    /// <summary>A data message (or more of it).</summary>
    Data,

    /// <summary>No message yet: control frames were all that was buffered. Wait for input, then ask again.</summary>
    Idle,

    /// <summary>The peer's close frame (<see cref="FrameReader.PeerCloseStatus"/>).</summary>
    PeerClosed,

    /// <summary>The peer broke the protocol (<see cref="FrameReader.FailureStatus"/>: 1002, 1007).</summary>
    ProtocolError,

    /// <summary>The input ended without a close frame: EOF, a reset, or an abort (<see cref="FrameReader.EndedBy"/>).</summary>
    Ended,
}

/// <summary>The result of reading payload: how many bytes, whether the message ended, or a signal that input ended.</summary>
internal readonly record struct PayloadRead(int Count, bool EndOfMessage, ReadSignal Signal);

/// <summary>Where control frames go: a ping is answered, a pong proves the peer is alive.</summary>
internal interface IControlFrameSink
{
    void OnPing(ReadOnlySpan<byte> payload);

    void OnPong(ReadOnlySpan<byte> payload);
}

/// <summary>
/// Reads RFC 6455 frames from the connection's stream. An idle connection waits on a zero-byte read and holds no
/// buffer; when bytes arrive a pooled buffer is rented, filled with whatever is there (several small frames at once),
/// and given back when it is empty again. Payload is handed out as soon as any of it has arrived, never waiting for a
/// whole frame, so a consumer can check it (UTF-8, size) as it comes. Control frames between and inside messages are
/// handled here; compressed messages are inflated here.
/// </summary>
internal sealed class FrameReader(Stream stream, int bufferSize, IControlFrameSink sink, MessageInflater? inflater) : IDisposable
{
    private readonly int _bufferSize = Math.Max(bufferSize, 2 * (Frame.MaxHeaderLength + Frame.MaxControlPayload));
    private byte[]? _buffer;
    private int _start;
    private int _end;

    // The frame being read.
    private long _frameRemaining;
    private int _mask;
    private int _maskOffset;
    private bool _frameFin;

    // The message being read.
    private bool _inMessage;
    private bool _messageCompressed;
    private bool _trailerFed;

    // Declared payload bytes of the current (uncompressed) message so far, checked against its limit on each header.
    private long _messageDeclared;

    // After a protocol error: how many bytes of the offending frame are still to be skipped to find the next frame;
    // -1 when the frame's length is unknown and the input cannot be read as frames any more.
    private long _badFrameRemaining = -1;

    // The connection is failing or closing: frames are only read to find the peer's close frame.
    private bool _discarding;

    public WebSocketMessageType MessageType { get; private set; }

    /// <summary>The peer's close status; null when its close frame had none (1005).</summary>
    public WebSocketCloseStatus? PeerCloseStatus { get; private set; }

    public string? PeerCloseDescription { get; private set; }

    public WebSocketCloseStatus FailureStatus { get; private set; }

    public string? FailureDescription { get; private set; }

    /// <summary>
    /// Data payload bytes read through <see cref="ReadPayloadAsync"/> so far (control frames and messages taken whole not
    /// counted): a message arriving slowly is still arriving.
    /// </summary>
    public long DataBytesRead => Volatile.Read(ref _dataBytesRead);

    private long _dataBytesRead;

    /// <summary>Whether a close frame came from the peer, valid or not: the peer will send nothing more.</summary>
    public bool PeerSentClose { get; private set; }

    /// <summary>
    /// The largest text and binary messages accepted, checked against each frame's declared length before its payload is
    /// read (compressed messages are checked by their consumer, as they inflate).
    /// </summary>
    public long TextMessageLimit { get; set; } = long.MaxValue;

    /// <inheritdoc cref="TextMessageLimit"/>
    public long BinaryMessageLimit { get; set; } = long.MaxValue;

    /// <summary>The limit of the current message's type.</summary>
    public long CurrentMessageLimit => MessageType == WebSocketMessageType.Text ? TextMessageLimit : BinaryMessageLimit;

    /// <summary>
    /// From now on the connection is failing or closing (RFC 6455 7.1.7): frames are read only to find the peer's close
    /// frame. Pings and pongs are not answered or reported, and the rest of a compressed message is skipped without being
    /// inflated or checked.
    /// </summary>
    public void StartDiscarding()
    {
        _discarding = true;
        _messageCompressed = false;
    }

    /// <summary>Why input ended without a close frame; null for a clean EOF.</summary>
    public Exception? EndedBy { get; private set; }

    /// <summary>Whether a data message has started and not ended (its rest must be read or skipped before the next).</summary>
    public bool InMessage => _inMessage;

    /// <summary>Whether nothing is buffered: the next message has to be waited for (<see cref="WaitForInputAsync"/>).</summary>
    public bool IsIdle => _end == _start;

    /// <summary>
    /// Gives the buffer back and waits on a zero-byte read of the transport until bytes arrive. It returns the transport's
    /// own wait, so the caller's state machine is the only one an idle connection holds.
    /// </summary>
    public ValueTask<int> WaitForInputAsync()
    {
        _start = _end = 0;
        ReturnBuffer();
        return stream.ReadAsync(Memory<byte>.Empty);
    }

    /// <summary>The wait for input failed (a reset or an abort): the input has ended.</summary>
    public ReadSignal InputFailed(Exception exception)
    {
        EndedBy = exception;
        return ReadSignal.Ended;
    }

    /// <summary>
    /// Reads up to the start of the next data message, handling control frames before it; <see cref="MessageType"/> says
    /// which. Call it when input is there (<see cref="WaitForInputAsync"/>): it returns <see cref="ReadSignal.Idle"/>
    /// rather than wait again after control frames, so a connection that pings parks in its caller's state machine too.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadSignal> NextMessageAsync()
    {
        while (true)
        {
            var signal = await ReadHeaderAsync().ConfigureAwait(false);
            if (signal != ReadSignal.Data) return signal;
            if (_inMessage) return ReadSignal.Data;
            if (_end == _start) return ReadSignal.Idle;
        }
    }

    /// <summary>
    /// When the current message is one frame that has arrived whole, and is not compressed: its payload, unmasked in the
    /// reader's buffer, without a copy. Valid until the next call to the reader.
    /// </summary>
    public bool TryTakeWholeMessage(out Memory<byte> payload)
    {
        if (_inMessage && !_messageCompressed && _frameFin && _end - _start >= _frameRemaining)
        {
            var length = (int)_frameRemaining;
            payload = _buffer.AsMemory(_start, length);
            Masking.Apply(payload.Span, _mask, _maskOffset);
            _start += length;
            _frameRemaining = 0;
            _inMessage = false;
            return true;
        }
        payload = default;
        return false;
    }

    /// <summary>
    /// Reads more of the current message into <paramref name="destination"/> (not empty): as many bytes as have arrived,
    /// at least one unless the message ends. Control frames inside the message are handled.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PayloadRead> ReadPayloadAsync(Memory<byte> destination)
    {
        while (true)
        {
            if (_messageCompressed)
            {
                var produced = Inflate(destination.Span, out var failed);
                if (failed) return new PayloadRead(0, false, ReadSignal.ProtocolError);
                if (produced > 0) return new PayloadRead(produced, false, ReadSignal.Data);
                // The inflater has taken in everything fed so far: feed the next compressed bytes.
                if (_frameRemaining > 0)
                {
                    if (_end == _start && !await FillAsync(1).ConfigureAwait(false)) return Ended();
                    var take = (int)Math.Min(_end - _start, _frameRemaining);
                    var compressed = _buffer.AsMemory(_start, take);
                    _maskOffset = Masking.Apply(compressed.Span, _mask, _maskOffset);
                    _start += take;
                    _frameRemaining -= take;
                    Volatile.Write(ref _dataBytesRead, _dataBytesRead + take);
                    inflater!.Feed(compressed);
                    continue;
                }
                if (!_frameFin)
                {
                    var next = await ReadHeaderAsync().ConfigureAwait(false);
                    if (next != ReadSignal.Data) return new PayloadRead(0, false, next);
                    continue;
                }
                if (!_trailerFed)
                {
                    inflater!.FeedEndOfMessage();
                    _trailerFed = true;
                    continue;
                }
                _inMessage = false;
                inflater!.EndMessage();
                return new PayloadRead(0, true, ReadSignal.Data);
            }

            if (_frameRemaining == 0)
            {
                if (_frameFin)
                {
                    _inMessage = false;
                    return new PayloadRead(0, true, ReadSignal.Data);
                }
                var next = await ReadHeaderAsync().ConfigureAwait(false);
                if (next != ReadSignal.Data) return new PayloadRead(0, false, next);
                continue;
            }

            int count;
            if (_end > _start || _frameRemaining < _bufferSize)
            {
                // Small remainders go through the buffer, so that the frames after them come in the same read.
                if (_end == _start && !await FillAsync(1).ConfigureAwait(false)) return Ended();
                count = (int)Math.Min(Math.Min(_end - _start, _frameRemaining), destination.Length);
                _buffer.AsSpan(_start, count).CopyTo(destination.Span);
                _start += count;
            }
            else
            {
                // A large remainder goes straight from the connection into the destination: one copy, as it arrives.
                var want = (int)Math.Min(destination.Length, _frameRemaining);
                try
                {
                    count = await stream.ReadAsync(destination[..want]).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    EndedBy = exception;
                    return Ended();
                }
                if (count == 0) return Ended();
            }
            _maskOffset = Masking.Apply(destination.Span[..count], _mask, _maskOffset);
            _frameRemaining -= count;
            Volatile.Write(ref _dataBytesRead, _dataBytesRead + count);
            var end = _frameRemaining == 0 && _frameFin;
            if (end) _inMessage = false;
            return new PayloadRead(count, end, ReadSignal.Data);
        }
    }

    /// <summary>
    /// Reads and discards the rest of the current message (a consumer that stopped early). A compressed message is still
    /// inflated (the next ones may refer back to it), so over <paramref name="limit"/> bytes it fails as too big (1009).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PayloadRead> SkipMessageAsync(Memory<byte> scratch, long limit = long.MaxValue)
    {
        long total = 0;
        while (true)
        {
            var read = await ReadPayloadAsync(scratch).ConfigureAwait(false);
            total += read.Count;
            if (read.Signal != ReadSignal.Data || read.EndOfMessage) return read with { Count = (int)Math.Min(total, int.MaxValue) };
            if (total > limit) return new PayloadRead(0, false, Fail(WebSocketCloseStatus.MessageTooBig, "Message too big", badFrameRemaining: 0));
        }
    }

    /// <summary>Gives the buffer back (the connection is over).</summary>
    public void Dispose()
    {
        ReturnBuffer();
        inflater?.Dispose();
    }

    private PayloadRead Ended() => new(0, false, ReadSignal.Ended);

    private int Inflate(Span<byte> destination, out bool failed)
    {
        failed = false;
        try
        {
            return inflater!.Read(destination);
        }
        catch (InvalidDataException)
        {
            // The framing is intact: the rest of the message can still be skipped, without inflating it.
            failed = true;
            _messageCompressed = false;
            Fail(WebSocketCloseStatus.InvalidPayloadData, "Compressed data that cannot be inflated", badFrameRemaining: 0);
            return 0;
        }
    }

    /// <summary>
    /// Reads the next frame header. A control frame is handled whole (Data is returned so the caller reads on); a data
    /// frame starts a message or continues the current one.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadSignal> ReadHeaderAsync()
    {
        if (!await FillAsync(2).ConfigureAwait(false)) return ReadSignal.Ended;
        var b0 = _buffer![_start];
        var b1 = _buffer[_start + 1];
        var lengthCode = b1 & 0x7F;
        var masked = (b1 & 0x80) != 0;
        var headerLength = 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (!await FillAsync(headerLength).ConfigureAwait(false)) return ReadSignal.Ended;

        var header = _buffer.AsSpan(_start, headerLength);
        var fin = (b0 & 0x80) != 0;
        var compressed = (b0 & 0x40) != 0;
        var opcode = (byte)(b0 & 0x0F);
        // A close frame, even one that breaks a rule (too long, fragmented, reserved bits): the peer has closed and sends
        // nothing more, so a failure need not wait for another.
        if (opcode == Frame.Close) PeerSentClose = true;
        long length = lengthCode switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => BinaryPrimitives.ReadInt64BigEndian(header[2..]),
            _ => lengthCode,
        };
        if (length < 0) return Fail(WebSocketCloseStatus.ProtocolError, "Invalid payload length");
        // From here on the frame's length is known: after a failure, the input can go on being read as frames.
        var frameLength = headerLength + length;
        // RFC 6455 5.2: "the minimal number of bytes MUST be used to encode the length".
        if ((lengthCode == 126 && length < 126) || (lengthCode == 127 && length <= ushort.MaxValue))
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "Payload length not minimally encoded", frameLength);
        }
        if ((b0 & 0x30) != 0) return Fail(WebSocketCloseStatus.ProtocolError, "Reserved bits set", frameLength);
        if (!masked) return Fail(WebSocketCloseStatus.ProtocolError, "Client frames must be masked", frameLength);
        var mask = Masking.Read(header[(headerLength - 4)..]);

        if (Frame.IsControl(opcode))
        {
            if (opcode is not (Frame.Close or Frame.Ping or Frame.Pong)) return Fail(WebSocketCloseStatus.ProtocolError, "Unknown opcode", frameLength);
            if (!fin || compressed || length > Frame.MaxControlPayload) return Fail(WebSocketCloseStatus.ProtocolError, "Invalid control frame", frameLength);
            if (!await FillAsync(headerLength + (int)length).ConfigureAwait(false)) return ReadSignal.Ended;
            var payload = _buffer.AsSpan(_start + headerLength, (int)length);
            Masking.Apply(payload, mask, 0);
            _start += headerLength + (int)length;
            return Control(opcode, payload);
        }

        switch (opcode)
        {
            case Frame.Text or Frame.Binary:
                if (_inMessage) return Fail(WebSocketCloseStatus.ProtocolError, "A new message started before the last one ended", frameLength);
                if (compressed && inflater is null) return Fail(WebSocketCloseStatus.ProtocolError, "Compressed frame without permessage-deflate", frameLength);
                _inMessage = true;
                _messageCompressed = compressed && !_discarding;
                _trailerFed = false;
                _messageDeclared = 0;
                MessageType = opcode == Frame.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                break;
            case Frame.Continuation:
                if (!_inMessage) return Fail(WebSocketCloseStatus.ProtocolError, "Continuation frame without a message", frameLength);
                if (compressed) return Fail(WebSocketCloseStatus.ProtocolError, "Continuation frame marked compressed", frameLength);
                break;
            default:
                return Fail(WebSocketCloseStatus.ProtocolError, "Unknown opcode", frameLength);
        }
        _start += headerLength;
        _frameRemaining = length;
        _frameFin = fin;
        _mask = mask;
        _maskOffset = 0;
        if (!_messageCompressed && !_discarding)
        {
            // Refused on the header: nothing of a message that cannot be accepted is read or held. The frame is taken as
            // the current one, so that the close's drain skips the rest of the message as frames.
            _messageDeclared += length;
            if (_messageDeclared > CurrentMessageLimit)
            {
                return Fail(WebSocketCloseStatus.MessageTooBig, "Message too big", badFrameRemaining: 0);
            }
        }
        return ReadSignal.Data;
    }

    private ReadSignal Control(byte opcode, ReadOnlySpan<byte> payload)
    {
        // A failing or closing connection answers nothing and reports nothing but the peer's close.
        if (_discarding && opcode != Frame.Close) return ReadSignal.Data;
        switch (opcode)
        {
            case Frame.Ping:
                sink.OnPing(payload);
                return ReadSignal.Data;
            case Frame.Pong:
                sink.OnPong(payload);
                return ReadSignal.Data;
        }
        // A close frame was read whole: after a failure the input can go on being read as frames.
        if (payload.Length == 1) return Fail(WebSocketCloseStatus.ProtocolError, "Close frame with a one-byte payload", badFrameRemaining: 0);
        if (payload.Length >= 2)
        {
            var status = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!Frame.IsValidCloseStatus(status)) return Fail(WebSocketCloseStatus.ProtocolError, "Invalid close status", badFrameRemaining: 0);
            if (!Utf8.IsValid(payload[2..])) return Fail(WebSocketCloseStatus.InvalidPayloadData, "Close reason is not UTF-8", badFrameRemaining: 0);
            PeerCloseStatus = (WebSocketCloseStatus)status;
            PeerCloseDescription = payload.Length > 2 ? System.Text.Encoding.UTF8.GetString(payload[2..]) : null;
        }
        return ReadSignal.PeerClosed;
    }

    private ReadSignal Fail(WebSocketCloseStatus status, string description, long badFrameRemaining = -1)
    {
        FailureStatus = status;
        FailureDescription = description;
        _badFrameRemaining = badFrameRemaining;
        return ReadSignal.ProtocolError;
    }

    /// <summary>
    /// After a protocol error: skips the offending frame when its length is known, so that the rest of the input can be
    /// read as frames (to find the peer's close frame). False when it cannot be.
    /// </summary>
    public async ValueTask<bool> SkipBadFrameAsync()
    {
        if (_badFrameRemaining < 0) return false;
        while (_badFrameRemaining > 0)
        {
            if (_end == _start && !await FillAsync(1).ConfigureAwait(false)) return false;
            var take = (int)Math.Min(_end - _start, _badFrameRemaining);
            _start += take;
            _badFrameRemaining -= take;
        }
        _badFrameRemaining = -1;
        return true;
    }

    /// <summary>Makes at least <paramref name="needed"/> bytes available in the buffer.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(int needed)
    {
        if (_end - _start >= needed) return true;
        try
        {
            if (_end == _start) _start = _end = 0;
            _buffer ??= ArrayPool<byte>.Shared.Rent(_bufferSize);
            if (_buffer.Length - _start < needed)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            while (_end - _start < needed)
            {
                var read = await stream.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
                if (read == 0) return false;
                _end += read;
            }
            return true;
        }
        catch (Exception exception)
        {
            EndedBy = exception;
            return false;
        }
    }

    private void ReturnBuffer()
    {
        var buffer = _buffer;
        if (buffer is null) return;
        _buffer = null;
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
