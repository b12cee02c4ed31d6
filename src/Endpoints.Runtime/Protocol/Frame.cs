using System.Buffers.Binary;

namespace Endpoints.Runtime.Protocol;

/// <summary>RFC 6455 frame constants and the server's (unmasked) frame header.</summary>
internal static class Frame
{
    public const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>2 bytes, 8 for the longest length, 4 for the mask.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>A server's frames are not masked.</summary>
    public const int MaxServerHeaderLength = 10;

    public const int MaxControlPayload = 125;

    public static bool IsControl(byte opcode) => (opcode & 0x8) != 0;

    public static int ServerHeaderLength(long payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes the header of a server frame so that it ends at <paramref name="end"/>; returns where it starts.</summary>
    public static int WriteServerHeaderBefore(Span<byte> buffer, int end, byte opcode, bool fin, bool compressed, long payloadLength)
    {
        var start = end - ServerHeaderLength(payloadLength);
        buffer[start] = (byte)((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode);
        if (payloadLength < 126)
        {
            buffer[start + 1] = (byte)payloadLength;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            buffer[start + 1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(start + 2)..], (ushort)payloadLength);
        }
        else
        {
            buffer[start + 1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(buffer[(start + 2)..], (ulong)payloadLength);
        }
        return start;
    }

    /// <summary>Whether a close status may be sent by a peer (RFC 6455 7.4, and the registered 1012-1014).</summary>
    public static bool IsValidCloseStatus(int status) => status switch
    {
        >= 1000 and <= 1003 => true,
        >= 1007 and <= 1014 => true,
        >= 3000 and <= 4999 => true,
        _ => false,
    };
}
