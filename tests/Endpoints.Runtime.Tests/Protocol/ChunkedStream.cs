using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>
/// A read-only in-memory stream that hands its input out in pieces: each read stops at the next split offset (or after
/// <c>maxRead</c> bytes), then the input ends (0), or fails with the given exception. Reads complete synchronously, so a
/// reader driven over it never waits and runs entirely on the test's thread. A zero-byte read returns 0 at once.
/// </summary>
internal sealed class ChunkedStream : Stream
{
    private readonly byte[] _data;
    private readonly int[] _splits;
    private readonly int _maxRead;
    private readonly Exception? _endWith;
    private int _position;
    private int _nextSplit;

    private ChunkedStream(byte[] data, int[] splits, int maxRead, Exception? endWith)
    {
        _data = data;
        _splits = splits.Where(s => s > 0 && s < data.Length).Distinct().Order().ToArray();
        _maxRead = maxRead;
        _endWith = endWith;
    }

    /// <summary>The input in pieces that end at the given offsets (and at the end).</summary>
    public static ChunkedStream SplitAt(byte[] data, params int[] offsets) => new(data, offsets, int.MaxValue, null);

    /// <summary>The input one byte per read.</summary>
    public static ChunkedStream OneByteAtATime(byte[] data) => new(data, [], 1, null);

    /// <summary>The input in pieces, then a failed read (a reset) instead of the end of input.</summary>
    public static ChunkedStream ThenFail(byte[] data, Exception exception, params int[] offsets) => new(data, offsets, int.MaxValue, exception);

    /// <summary>Reads that asked for at least one byte.</summary>
    public int Reads { get; private set; }

    /// <summary>Zero-byte reads (the reader waiting for input).</summary>
    public int ZeroByteReads { get; private set; }

    /// <summary>How many input bytes have been handed out.</summary>
    public int Delivered => _position;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            ZeroByteReads++;
            return 0;
        }
        Reads++;
        if (_position == _data.Length)
        {
            if (_endWith is not null) throw _endWith;
            return 0;
        }
        while (_nextSplit < _splits.Length && _splits[_nextSplit] <= _position) _nextSplit++;
        var limit = _nextSplit < _splits.Length ? _splits[_nextSplit] : _data.Length;
        var count = Math.Min(Math.Min(buffer.Length, limit - _position), _maxRead);
        _data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (Exception exception)
        {
            return ValueTask.FromException<int>(exception);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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

/// <summary>Records the control frames the reader hands over, in order, into a log that the driver shares.</summary>
internal sealed class RecordingSink(List<string>? log = null) : IControlFrameSink
{
    public List<string> Log { get; } = log ?? [];

    public List<byte[]> Pings { get; } = [];

    public List<byte[]> Pongs { get; } = [];

    public void OnPing(ReadOnlySpan<byte> payload)
    {
        Pings.Add(payload.ToArray());
        Log.Add(Received.Describe("Ping", payload));
    }

    public void OnPong(ReadOnlySpan<byte> payload)
    {
        Pongs.Add(payload.ToArray());
        Log.Add(Received.Describe("Pong", payload));
    }
}

/// <summary>Counts control frames without keeping them (for the fuzz test, which measures allocations).</summary>
internal sealed class CountingSink : IControlFrameSink
{
    public int Pings;
    public int Pongs;

    public void OnPing(ReadOnlySpan<byte> payload) => Pings++;

    public void OnPong(ReadOnlySpan<byte> payload) => Pongs++;
}

/// <summary>How a frame's payload length is written: the minimal form, or a forced one (non-minimal when it does not need to be).</summary>
internal enum LengthEncoding
{
    Minimal,
    Bits7,
    Bits16,
    Bits64,
}

/// <summary>Encodes client frames (masked unless told otherwise), including ones a conforming client never sends.</summary>
internal static class ClientFrame
{
    /// <summary>The mask from RFC 6455 section 5.7's examples.</summary>
    public static readonly byte[] DefaultMask = [0x37, 0xFA, 0x21, 0x3D];

    /// <param name="opcode">The 4-bit opcode (any value, reserved ones too).</param>
    /// <param name="payload">The payload, unmasked.</param>
    /// <param name="fin">FIN.</param>
    /// <param name="rsv1">RSV1 (permessage-deflate's "compressed").</param>
    /// <param name="rsv2">RSV2.</param>
    /// <param name="rsv3">RSV3.</param>
    /// <param name="mask">The 4 mask bytes; <see cref="DefaultMask"/> when null.</param>
    /// <param name="masked">False for an unmasked frame (which a server must refuse).</param>
    /// <param name="length">How to write the payload length.</param>
    /// <param name="declaredLength">The length written in the header, when it is to differ from the payload's.</param>
    public static byte[] Encode(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, bool rsv1 = false, bool rsv2 = false, bool rsv3 = false,
        byte[]? mask = null, bool masked = true, LengthEncoding length = LengthEncoding.Minimal, ulong? declaredLength = null)
    {
        mask ??= DefaultMask;
        var declared = declaredLength ?? (ulong)payload.Length;
        if (length == LengthEncoding.Minimal) length = declared < 126 ? LengthEncoding.Bits7 : declared <= ushort.MaxValue ? LengthEncoding.Bits16 : LengthEncoding.Bits64;
        var lengthBytes = length switch
        {
            LengthEncoding.Bits7 => 0,
            LengthEncoding.Bits16 => 2,
            _ => 8,
        };
        if (length == LengthEncoding.Bits7 && declared > 125) throw new ArgumentOutOfRangeException(nameof(length), "A 7-bit length holds at most 125.");
        if (length == LengthEncoding.Bits16 && declared > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), "A 16-bit length holds at most 65535.");
        var header = 2 + lengthBytes + (masked ? 4 : 0);
        var frame = new byte[header + payload.Length];
        frame[0] = (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (rsv2 ? 0x20 : 0) | (rsv3 ? 0x10 : 0) | (opcode & 0x0F));
        var b1 = masked ? 0x80 : 0;
        switch (length)
        {
            case LengthEncoding.Bits7:
                frame[1] = (byte)(b1 | (int)declared);
                break;
            case LengthEncoding.Bits16:
                frame[1] = (byte)(b1 | 126);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)declared);
                break;
            default:
                frame[1] = (byte)(b1 | 127);
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), declared);
                break;
        }
        if (masked) mask.AsSpan(0, 4).CopyTo(frame.AsSpan(2 + lengthBytes));
        for (var i = 0; i < payload.Length; i++) frame[header + i] = masked ? (byte)(payload[i] ^ mask[i & 3]) : payload[i];
        return frame;
    }

    public static byte[] Text(string text, bool fin = true) => Encode(Frame.Text, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Binary(byte[] data, bool fin = true) => Encode(Frame.Binary, data, fin);

    public static byte[] Continuation(byte[] data, bool fin) => Encode(Frame.Continuation, data, fin);

    public static byte[] Continuation(string text, bool fin) => Encode(Frame.Continuation, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Ping(string payload = "") => Encode(Frame.Ping, Encoding.UTF8.GetBytes(payload));

    public static byte[] Pong(string payload = "") => Encode(Frame.Pong, Encoding.UTF8.GetBytes(payload));

    /// <summary>The close payload: the status in two bytes (none when null), then the reason bytes.</summary>
    public static byte[] ClosePayload(int? status, ReadOnlySpan<byte> reason = default)
    {
        if (status is null) return reason.ToArray();
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status.Value);
        reason.CopyTo(payload.AsSpan(2));
        return payload;
    }

    public static byte[] Close(int? status, string reason = "") => Encode(Frame.Close, ClosePayload(status, Encoding.UTF8.GetBytes(reason)));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}

/// <summary>What the reader delivered, as comparable text: a kind, the length, and the bytes (hex, or a hash when long).</summary>
internal static class Received
{
    public static string Describe(string kind, ReadOnlySpan<byte> payload)
        => payload.Length <= 64
            ? $"{kind}[{payload.Length}] {Convert.ToHexString(payload)}"
            : $"{kind}[{payload.Length}] sha256:{Convert.ToHexString(SHA256.HashData(payload))[..16]}";

    public static string Message(WebSocketMessageType type, ReadOnlySpan<byte> payload) => Describe(type == WebSocketMessageType.Text ? "Text" : "Binary", payload);
}
