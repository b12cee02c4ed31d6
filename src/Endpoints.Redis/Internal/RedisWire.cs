using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using Endpoints.Scaleout;

namespace Endpoints.Redis;

/// <summary>
/// What travels between servers, as bytes: a message for connections, a group change for a server's connection,
/// and its answer. Strings are a 16-bit length and UTF-8; the message payload is the rest.
/// </summary>
internal static class RedisWire
{
    public const byte Deliver = 0, GroupChange = 1, GroupChangeAnswer = 2, NumberedDeliver = 3, SessionResumed = 4;

    /// <summary>
    /// The start of a numbered message: its tag and stream. The publishing script appends the epoch, a line feed, the
    /// offset, a line feed, then the message as <see cref="EncodeDeliver"/> writes it: Redis numbers it, so only Redis
    /// can write the position.
    /// </summary>
    public static byte[] EncodeNumberedHead(string stream)
    {
        var writer = new Writer(8 + stream.Length * 3);
        writer.Byte(NumberedDeliver);
        writer.String(stream);
        return writer.ToArray();
    }

    public static (string Stream, string Epoch, long Offset, string Origin, BackplaneMessage Message) DecodeNumbered(ReadOnlyMemory<byte> bytes)
    {
        var reader = new Reader(bytes);
        reader.Byte(); // NumberedDeliver
        var stream = reader.String();
        var rest = reader.Rest();
        var epochEnd = rest.Span.IndexOf((byte)'\n');
        var epoch = Encoding.UTF8.GetString(rest.Span[..epochEnd]);
        rest = rest[(epochEnd + 1)..];
        var offsetEnd = rest.Span.IndexOf((byte)'\n');
        if (epochEnd < 0 || offsetEnd < 0 || !System.Buffers.Text.Utf8Parser.TryParse(rest.Span[..offsetEnd], out long offset, out _)) throw new ArgumentOutOfRangeException(nameof(bytes));
        var (origin, message) = DecodeDeliver(rest[(offsetEnd + 1)..]);
        return (stream, epoch, offset, origin, message);
    }

    public static byte[] EncodeDeliver(string origin, BackplaneMessage message)
    {
        var writer = new Writer(64 + message.Payload.Length);
        writer.Byte(Deliver);
        writer.Byte((byte)message.Target);
        writer.Byte((byte)message.MessageType);
        writer.String(origin);
        writer.String(message.Endpoint);
        writer.String(message.Key);
        writer.UInt16(checked((ushort)message.Except.Count));
        foreach (var id in message.Except) writer.String(id);
        writer.Bytes(message.Payload.Span);
        return writer.ToArray();
    }

    public static (string Origin, BackplaneMessage Message) DecodeDeliver(ReadOnlyMemory<byte> bytes)
    {
        var reader = new Reader(bytes);
        reader.Byte(); // Deliver
        var target = (BackplaneTarget)reader.Byte();
        var type = (WebSocketMessageType)reader.Byte();
        var origin = reader.String();
        var endpoint = reader.String();
        var key = reader.String();
        var except = new string[reader.UInt16()];
        for (var i = 0; i < except.Length; i++) except[i] = reader.String();
        return (origin, new BackplaneMessage(endpoint, target, key, except, type, reader.Rest()));
    }

    public static byte[] EncodeGroupChange(string requestId, string replyTo, string endpoint, string connectionId, string group, bool join)
    {
        var writer = new Writer(128);
        writer.Byte(GroupChange);
        writer.String(requestId);
        writer.String(replyTo);
        writer.String(endpoint);
        writer.String(connectionId);
        writer.String(group);
        writer.Byte(join ? (byte)1 : (byte)0);
        return writer.ToArray();
    }

    public static (string RequestId, string ReplyTo, string Endpoint, string ConnectionId, string Group, bool Join) DecodeGroupChange(ReadOnlyMemory<byte> bytes)
    {
        var reader = new Reader(bytes);
        reader.Byte();
        return (reader.String(), reader.String(), reader.String(), reader.String(), reader.String(), reader.Byte() == 1);
    }

    public static byte[] EncodeAnswer(string requestId, bool changed)
    {
        var writer = new Writer(64);
        writer.Byte(GroupChangeAnswer);
        writer.String(requestId);
        writer.Byte(changed ? (byte)1 : (byte)0);
        return writer.ToArray();
    }

    public static (string RequestId, bool Changed) DecodeAnswer(ReadOnlyMemory<byte> bytes)
    {
        var reader = new Reader(bytes);
        reader.Byte();
        return (reader.String(), reader.Byte() == 1);
    }

    /// <summary>To the server a resumable session was on before: it went on elsewhere.</summary>
    public static byte[] EncodeSessionResumed(string endpoint, string sessionId)
    {
        var writer = new Writer(64);
        writer.Byte(SessionResumed);
        writer.String(endpoint);
        writer.String(sessionId);
        return writer.ToArray();
    }

    public static (string Endpoint, string SessionId) DecodeSessionResumed(ReadOnlyMemory<byte> bytes)
    {
        var reader = new Reader(bytes);
        reader.Byte();
        return (reader.String(), reader.String());
    }

    private sealed class Writer(int capacity)
    {
        private byte[] _buffer = new byte[capacity];
        private int _length;

        public void Byte(byte value) => Span(1)[0] = value;

        public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Span(2), value);

        public void String(string value)
        {
            var count = Encoding.UTF8.GetByteCount(value);
            UInt16(checked((ushort)count));
            Encoding.UTF8.GetBytes(value, Span(count));
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Span(bytes.Length));

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        private Span<byte> Span(int count)
        {
            if (_length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }

    private struct Reader(ReadOnlyMemory<byte> bytes)
    {
        private int _position;

        public byte Byte() => bytes.Span[_position++];

        public ushort UInt16()
        {
            var value = BinaryPrimitives.ReadUInt16BigEndian(bytes.Span[_position..]);
            _position += 2;
            return value;
        }

        public string String()
        {
            var count = UInt16();
            var value = Encoding.UTF8.GetString(bytes.Span.Slice(_position, count));
            _position += count;
            return value;
        }

        public ReadOnlyMemory<byte> Rest() => bytes[_position..];
    }
}
