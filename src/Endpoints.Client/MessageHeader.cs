using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Endpoints.Client;

/// <summary>
/// The header of an <c>endpoints.v1</c> message (docs/protocol.md): a one-line JSON object, a line feed, then the
/// payload, which is never re-encoded. Reads a received message's header and writes the headers the client sends.
/// </summary>
internal readonly record struct MessageHeader(long? Id, long? Re, string? Error, bool HasKind, int PayloadStart)
{
    public const string SubProtocol = "endpoints.v1";

    /// <summary>The longest header: a line feed must come within the first <see cref="MaxLength"/> + 1 bytes.</summary>
    public const int MaxLength = 1024;

    /// <summary>The room a request's header needs: <c>{"id":</c>, up to 16 digits, <c>}</c>, LF.</summary>
    public const int MaxRequestLength = 32;

    private const long MaxId = (1L << 53) - 1;

    // The header is never embedded in HTML: escape only what JSON requires (quotes, backslashes, control characters,
    // so never a raw line feed), which keeps the text readable and short.
    private static readonly JsonWriterOptions s_headerWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Reads the header in front of <paramref name="message"/>. False when the message breaks the framing (no line
    /// feed within the first 1,025 bytes, a header that is not one JSON object, or a known field of the wrong type):
    /// the connection must close with 1002.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out MessageHeader header)
    {
        header = default;
        var end = message[..Math.Min(message.Length, MaxLength + 1)].IndexOf((byte)'\n');
        if (end < 0) return false;
        if (end == 0)
        {
            header = new MessageHeader(null, null, null, false, 1); // the ordinary message: no header
            return true;
        }

        long? id = null, re = null;
        string? error = null;
        var hasKind = false;
        try
        {
            var reader = new Utf8JsonReader(message[..end]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read() || !TryReadInteger(ref reader, out var value) || value is < 1 or > MaxId) return false;
                    id = value;
                }
                else if (reader.ValueTextEquals("re"u8))
                {
                    if (!reader.Read() || !TryReadInteger(ref reader, out var value)) return false;
                    re = value;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    error = reader.GetString();
                }
                else
                {
                    // A later version's field; a `k` (control kind) we do not know makes the whole message ignored.
                    hasKind |= reader.ValueTextEquals("k"u8);
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) return false;
            // Nothing may follow the object but whitespace (the reader throws on anything else).
            if (reader.Read()) return false;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false; // a string that is not valid UTF-8
        }
        header = new MessageHeader(id, re, error, hasKind, end + 1);
        return true;
    }

    /// <summary>Writes <c>{"id":N}</c> and the line feed; returns the bytes written (at most <see cref="MaxRequestLength"/>).</summary>
    public static int WriteRequest(Span<byte> destination, long id)
    {
        "{\"id\":"u8.CopyTo(destination);
        id.TryFormat(destination[6..], out var digits, default, CultureInfo.InvariantCulture);
        "}\n"u8.CopyTo(destination[(6 + digits)..]);
        return 6 + digits + 2;
    }

    /// <summary>An answer: <c>{"re":N}</c>, the line feed, then the reply's JSON (nothing for an acknowledgement).</summary>
    public static byte[] Reply(long re, ReadOnlySpan<byte> reply)
    {
        Span<byte> head = stackalloc byte[MaxRequestLength];
        "{\"re\":"u8.CopyTo(head);
        re.TryFormat(head[6..], out var digits, default, CultureInfo.InvariantCulture);
        "}\n"u8.CopyTo(head[(6 + digits)..]);
        var length = 6 + digits + 2;
        var answer = new byte[length + reply.Length];
        head[..length].CopyTo(answer);
        reply.CopyTo(answer.AsSpan(length));
        return answer;
    }

    /// <summary>
    /// A failed request's answer: <c>{"re":N,"error":"…"}</c> and the line feed. A long text is shortened so the
    /// header stays within <see cref="MaxLength"/> bytes (a longer one would make the server close with 1002).
    /// </summary>
    public static byte[] Failure(long re, string error)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var text = error;
        while (true)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, s_headerWriting))
            {
                writer.WriteStartObject();
                writer.WriteNumber("re"u8, re);
                writer.WriteString("error"u8, text); // a lone surrogate becomes U+FFFD
                writer.WriteEndObject();
            }
            if (buffer.WrittenCount <= MaxLength) break;
            // An escape or a character beyond ASCII takes several bytes; cut in proportion, a little more, never inside a surrogate pair.
            var keep = Math.Max(0, (int)((long)text.Length * (MaxLength - 32) / buffer.WrittenCount) - 3);
            if (keep > 0 && char.IsHighSurrogate(text[keep - 1])) keep--;
            text = text[..keep] + "...";
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value of the top-level string property <paramref name="name"/> of a JSON object, or null.</summary>
    public static string? ReadTypeName(ReadOnlySpan<byte> json, string name)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(name))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // not JSON: no type
        }
        return null;
    }

    private static bool TryReadInteger(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
    }
}
