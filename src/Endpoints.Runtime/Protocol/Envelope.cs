using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Endpoints.Runtime.Protocol;

/// <summary>
/// The <c>endpoints.v1</c> subprotocol (docs/protocol.md): every message is a one-line JSON header, a line feed, then
/// the payload. The header carries a request's <c>id</c> or an answer's <c>re</c> (and <c>error</c>); an ordinary
/// message has none and costs the line feed alone.
/// </summary>
internal static class Envelope
{
    public const string SubProtocol = "endpoints.v1";

    /// <summary>The longest header a peer may send, without its line feed.</summary>
    public const int MaxHeaderLength = 1024;

    /// <summary>The largest id: what a JavaScript number holds exactly.</summary>
    public const long MaxId = (1L << 53) - 1;

    /// <summary>The prefix of a message without a header.</summary>
    public static readonly byte[] NoHeader = [(byte)'\n'];

    public static bool IsNegotiated(string? subProtocol) => subProtocol == SubProtocol;

    /// <summary>
    /// Splits a received message into its header and payload. False when it is not an <c>endpoints.v1</c> message: no
    /// line feed within the header limit, or a header that is not one JSON object with fields of the right types.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out EnvelopeHeader header, out int payloadStart)
    {
        header = default;
        payloadStart = 0;
        var end = message[..Math.Min(message.Length, MaxHeaderLength + 1)].IndexOf((byte)'\n');
        if (end < 0) return false;
        payloadStart = end + 1;
        return end == 0 || TryParse(message[..end], out header);
    }

    /// <summary>Whether a header line that arrived on its own (before a streamed payload) is a valid one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out EnvelopeHeader header)
    {
        header = default;
        if (json.IsEmpty) return true;
        long id = 0, answers = 0, number = 0;
        string? error = null, control = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    if (!TryReadId(ref reader, out id)) return false;
                }
                else if (reader.ValueTextEquals("re"u8))
                {
                    if (!TryReadId(ref reader, out answers)) return false;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    error = reader.GetString();
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    if (!TryReadId(ref reader, out number)) return false;
                }
                else if (reader.ValueTextEquals("k"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    control = reader.GetString();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return false;
        }
        catch (JsonException)
        {
            return false;
        }
        header = new EnvelopeHeader(id, answers, error, control, number);
        return true;
    }

    private static bool TryReadId(ref Utf8JsonReader reader, out long id)
    {
        id = 0;
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out id) && id is >= 1 and <= MaxId;
    }

    /// <summary>The prefix of a request: <c>{"id":N}</c> and the line feed.</summary>
    public static byte[] Request(long id) => Numbered("{\"id\":"u8, id);

    /// <summary>The prefix of an answer (a reply, or an acknowledgement when nothing follows): <c>{"re":N}</c> and the line feed.</summary>
    public static byte[] Answer(long id) => Numbered("{\"re\":"u8, id);

    /// <summary>
    /// A failed request's answer, whole: <c>{"re":N,"error":"…"}</c> and the line feed; a message too long for the header
    /// limit is cut (ending in "…"), so that the answer is never itself a protocol error.
    /// </summary>
    public static byte[] Error(long id, string message)
    {
        while (true)
        {
            var header = ErrorHeader(id, message);
            if (header.Length <= MaxHeaderLength + 1) return header;
            var cut = message.Length * 3 / 4;
            if (cut > 0 && char.IsHighSurrogate(message[cut - 1])) cut--;
            message = string.Concat(message.AsSpan(0, cut), "…");
        }
    }

    private static byte[] ErrorHeader(long id, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("re"u8, id);
            writer.WriteString("error"u8, message);
            writer.WriteEndObject();
        }
        buffer.Write(NoHeader);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Numbered(ReadOnlySpan<byte> start, long id)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(id, digits, out var length);
        var prefix = new byte[start.Length + length + 2];
        start.CopyTo(prefix);
        digits[..length].CopyTo(prefix.AsSpan(start.Length));
        prefix[^2] = (byte)'}';
        prefix[^1] = (byte)'\n';
        return prefix;
    }
}

/// <summary>
/// What a received <c>endpoints.v1</c> header says: a request (<see cref="Id"/>), an answer to one of ours
/// (<see cref="Answers"/>, failed when <see cref="Error"/> is set), a control message (<see cref="Control"/>: <c>hello</c>,
/// or one of a later version, ignored), the client's message number in its session (<see cref="Number"/>), or nothing
/// (an ordinary message).
/// </summary>
internal readonly record struct EnvelopeHeader(long Id, long Answers, string? Error, string? Control, long Number);
