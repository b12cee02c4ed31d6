using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Endpoints.Conformance.Tests.Infrastructure;

public static class Opcode
{
    public const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    public static bool IsControl(byte opcode) => (opcode & 0x8) != 0;

    public static string Name(byte opcode) => opcode switch
    {
        Continuation => "continuation",
        Text => "text",
        Binary => "binary",
        Close => "close",
        Ping => "ping",
        Pong => "pong",
        _ => $"opcode {opcode}",
    };
}

/// <summary>Client frames as a fuzzer writes them: any opcode, RSV bits, FIN, and always masked.</summary>
public static class ClientFrame
{
    /// <summary>A masked client frame. <paramref name="rsv"/> is the three RSV bits as a number 0..7 (4 = RSV1, as Autobahn counts).</summary>
    public static byte[] Build(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0)
    {
        var headerLength = 2 + (payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8) + 4;
        var frame = new byte[headerLength + payload.Length];
        frame[0] = (byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F));
        var at = 2;
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
            at = 4;
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
            at = 10;
        }
        Span<byte> key = stackalloc byte[4];
        RandomNumberGenerator.Fill(key);
        key.CopyTo(frame.AsSpan(at));
        at += 4;
        payload.CopyTo(frame.AsSpan(at));
        var body = frame.AsSpan(at);
        for (var i = 0; i < body.Length; i++) body[i] ^= key[i & 3];
        return frame;
    }

    /// <summary>A close frame's payload: the code (if any) and the reason bytes as given (they may be invalid on purpose).</summary>
    public static byte[] ClosePayload(ushort? code, ReadOnlySpan<byte> reason = default)
    {
        if (code is null) return reason.ToArray();
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code.Value);
        reason.CopyTo(payload.AsSpan(2));
        return payload;
    }
}

/// <summary>One frame as the server sent it.</summary>
public sealed record ServerFrame(bool Fin, int Rsv, byte Opcode, bool Masked, byte[] Payload)
{
    public bool Compressed => (Rsv & 4) != 0;

    public override string ToString() =>
        $"{Infrastructure.Opcode.Name(Opcode)}{(Fin ? "" : " (no FIN)")}{(Rsv != 0 ? $" RSV={Rsv}" : "")}{(Masked ? " MASKED" : "")} [{Payload.Length} B]";
}

/// <summary>
/// Cuts the server's byte stream into frames. Bytes that do not make a whole frame stay buffered; <see cref="Pending"/>
/// tells whether an unfinished frame was left when the stream ended.
/// </summary>
public sealed class ServerFrameParser
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    public int Pending => _end - _start;

    /// <summary>Room to read into; call <see cref="Advance"/> with what was read.</summary>
    public Memory<byte> GetWriteMemory()
    {
        if (_start > 0 && (_start == _end || _buffer.Length - _end < 4096))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_buffer.Length - _end < 4096) Array.Resize(ref _buffer, _buffer.Length * 2);
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>The next whole frame, or null when more bytes are needed.</summary>
    public ServerFrame? TryRead()
    {
        var data = _buffer.AsSpan(_start, _end - _start);
        if (data.Length < 2) return null;
        var masked = (data[1] & 0x80) != 0;
        long length = data[1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (data.Length < 4) return null;
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10) return null;
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
            if (length > int.MaxValue) throw new InvalidDataException($"The server announced a frame of {length} bytes.");
        }
        if (masked) header += 4;
        if (data.Length < header + length)
        {
            // Make sure a large frame fits once it has arrived.
            if (_buffer.Length < header + length + 4096)
            {
                var larger = new byte[Math.Max(_buffer.Length * 2, header + (int)length + 4096)];
                Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
                _end -= _start;
                _start = 0;
                _buffer = larger;
            }
            return null;
        }
        var payload = data.Slice(header, (int)length).ToArray();
        if (masked)
        {
            var key = data.Slice(header - 4, 4);
            for (var i = 0; i < payload.Length; i++) payload[i] ^= key[i & 3];
        }
        var frame = new ServerFrame((data[0] & 0x80) != 0, (data[0] >> 4) & 7, (byte)(data[0] & 0x0F), masked, payload);
        _start += header + (int)length;
        return frame;
    }
}
