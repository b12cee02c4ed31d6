using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Endpoints.Client;

/// <summary>
/// The header of an <c>endpoints.v1</c> message (docs/protocol.md): a one-line JSON object, a line feed, then the
/// payload, which is never re-encoded. Reads a received message's header and writes the headers the client sends.
/// </summary>
/// <param name="Id">The server's request id (<c>id</c>).</param>
/// <param name="Re">The id of the client's request this answers (<c>re</c>).</param>
/// <param name="Error">The answer's error (<c>error</c>).</param>
/// <param name="Kind">A control message's kind (<c>k</c>).</param>
/// <param name="PayloadStart">Where the payload starts, after the line feed.</param>
/// <param name="Stream">The stream a server message belongs to (<c>s</c>); <see cref="Epoch"/> and <see cref="Offset"/> are then set too.</param>
/// <param name="Epoch">The stream's epoch (<c>e</c>).</param>
/// <param name="Offset">The message's offset in its stream (<c>o</c>).</param>
internal readonly record struct MessageHeader(long? Id, long? Re, string? Error, string? Kind, int PayloadStart,
    string? Stream = null, string? Epoch = null, long Offset = 0)
{
    public const string SubProtocol = "endpoints.v1";

    /// <summary>The longest header: a line feed must come within the first <see cref="MaxLength"/> + 1 bytes.</summary>
    public const int MaxLength = 1024;

    /// <summary>The room the header of a message the client sends needs: <c>{"id":</c>, 16 digits, <c>,"n":</c>, 16 digits, <c>}</c>, LF.</summary>
    public const int MaxWrittenLength = 48;

    /// <summary>The largest id, number and offset: 2⁵³−1, the largest integer every JSON reader holds exactly.</summary>
    public const long MaxInteger = (1L << 53) - 1;

    // The header is never embedded in HTML: escape only what JSON requires (quotes, backslashes, control characters,
    // so never a raw line feed), which keeps the text readable and short.
    private static readonly JsonWriterOptions s_headerWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Reads the header in front of <paramref name="message"/>. False when the message breaks the framing (no line
    /// feed within the first 1,025 bytes, a header that is not one JSON object, or a known field of the wrong type or
    /// range): the connection must close with 1002.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out MessageHeader header)
    {
        header = default;
        var end = message[..Math.Min(message.Length, MaxLength + 1)].IndexOf((byte)'\n');
        if (end < 0) return false;
        if (end == 0)
        {
            header = new MessageHeader(null, null, null, null, 1); // the ordinary message: no header
            return true;
        }

        long? id = null, re = null, offset = null;
        string? error = null, kind = null, stream = null, epoch = null;
        try
        {
            var reader = new Utf8JsonReader(message[..end]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read() || !TryReadInteger(ref reader, 1, out var value)) return false;
                    id = value;
                }
                else if (reader.ValueTextEquals("re"u8))
                {
                    if (!reader.Read() || !TryReadInteger(ref reader, 1, out var value)) return false;
                    re = value;
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    if (!reader.Read() || !TryReadInteger(ref reader, 1, out _)) return false; // a client's number: only checked
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    error = reader.GetString();
                }
                else if (reader.ValueTextEquals("k"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    kind = reader.GetString();
                }
                else if (reader.ValueTextEquals("s"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                    stream = reader.GetString();
                }
                else if (reader.ValueTextEquals("e"u8))
                {
                    // Checked only with a stream (below): without one, a later version's field of that name.
                    reader.Read();
                    epoch = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("o"u8))
                {
                    reader.Read();
                    offset = TryReadInteger(ref reader, 0, out var value) ? value : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip(); // a later version's field
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
        // A position is a stream, an epoch and an offset, or it is broken.
        if (stream is not null && (epoch is null || offset is null)) return false;
        header = stream is null
            ? new MessageHeader(id, re, error, kind, end + 1)
            : new MessageHeader(id, re, error, kind, end + 1, stream, epoch, offset!.Value);
        return true;
    }

    /// <summary>
    /// Writes the header of a message the client sends and its line feed: <c>{"id":I,"n":N}</c>, either alone, or nothing
    /// (0 for none of them); returns the bytes written (at most <see cref="MaxWrittenLength"/>).
    /// </summary>
    public static int Write(Span<byte> destination, long id, long number)
    {
        if (id == 0 && number == 0)
        {
            destination[0] = (byte)'\n'; // an ordinary message: the empty header
            return 1;
        }
        var length = 1;
        destination[0] = (byte)'{';
        if (id != 0)
        {
            "\"id\":"u8.CopyTo(destination[length..]);
            length += 5;
            id.TryFormat(destination[length..], out var digits, default, CultureInfo.InvariantCulture);
            length += digits;
        }
        if (number != 0)
        {
            if (id != 0) destination[length++] = (byte)',';
            "\"n\":"u8.CopyTo(destination[length..]);
            length += 4;
            number.TryFormat(destination[length..], out var digits, default, CultureInfo.InvariantCulture);
            length += digits;
        }
        "}\n"u8.CopyTo(destination[length..]);
        return length + 2;
    }

    /// <summary>An answer: <c>{"re":N}</c>, the line feed, then the reply's JSON (nothing for an acknowledgement).</summary>
    public static byte[] Reply(long re, ReadOnlySpan<byte> reply)
    {
        Span<byte> head = stackalloc byte[MaxWrittenLength];
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

    /// <summary>An integer from <paramref name="minimum"/> to 2⁵³−1 (a JSON number with a fraction or exponent is not one).</summary>
    private static bool TryReadInteger(ref Utf8JsonReader reader, long minimum, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value >= minimum && value <= MaxInteger;
    }
}
