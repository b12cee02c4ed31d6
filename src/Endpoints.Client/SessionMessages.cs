using System.Buffers;
using System.Text.Json;

namespace Endpoints.Client;

/// <summary>
/// The payloads of the session's control messages (docs/protocol.md, "Sessions and resumable delivery"): the hello the
/// client writes, and the welcome, sub and gap it reads. A payload that breaks its shape is a protocol error (1002).
/// </summary>
internal static class SessionMessages
{
    /// <summary>The server's welcome: whether it keeps a session, its token, whether it resumed, and the highest client number it handled.</summary>
    public readonly record struct Welcome(bool Resumable, string? Session, bool Resumed, long Received);

    /// <summary>A whole hello: <c>{"k":"hello"}</c>, LF, then <c>{"session":…,"positions":{stream:{"e":…,"o":…}}}</c>, each member only when there is one.</summary>
    public static byte[] Hello(string? session, IReadOnlyCollection<KeyValuePair<string, StreamPosition>> positions)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        buffer.Write("{\"k\":\"hello\"}\n"u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (session is not null) writer.WriteString("session"u8, session);
            if (positions.Count > 0)
            {
                writer.WriteStartObject("positions"u8);
                foreach (var (stream, position) in positions)
                {
                    writer.WriteStartObject(stream);
                    writer.WriteString("e"u8, position.Epoch);
                    writer.WriteNumber("o"u8, position.Offset);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// <c>{"resumable":true,"session":…,"resumed":…,"received":n}</c> or <c>{"resumable":false}</c>. False when
    /// <c>resumable</c> is not a boolean, or a resumable welcome has no session or a <c>received</c> that is not a
    /// count. <c>resumed</c> is true only when it is <c>true</c>; an absent (or null) <c>received</c> is 0.
    /// </summary>
    public static bool TryReadWelcome(ReadOnlySpan<byte> json, out Welcome welcome)
    {
        welcome = default;
        bool? resumable = null;
        string? session = null;
        var resumed = false;
        long received = 0;
        var receivedValid = true;
        var read = TryReadObject(json, (ref Utf8JsonReader reader) =>
        {
            if (reader.ValueTextEquals("resumable"u8))
            {
                reader.Read();
                resumable = reader.TokenType switch { JsonTokenType.True => true, JsonTokenType.False => false, _ => null };
            }
            else if (reader.ValueTextEquals("session"u8))
            {
                reader.Read();
                session = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("resumed"u8))
            {
                reader.Read();
                resumed = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("received"u8))
            {
                reader.Read();
                receivedValid = reader.TokenType == JsonTokenType.Null || TryReadCount(ref reader, out received); // null: as absent
            }
            else
            {
                reader.Read();
            }
            reader.Skip();
        });
        if (!read || resumable is not { } isResumable) return false;
        if (isResumable && (string.IsNullOrEmpty(session) || !receivedValid)) return false;
        welcome = isResumable ? new Welcome(true, session, resumed, received) : new Welcome(false, null, false, 0);
        return true;
    }

    /// <summary>
    /// A stream's position as <c>sub</c> and <c>gap</c> carry it, <c>{"s":…,"e":…,"o":n}</c>, and with
    /// <paramref name="withCount"/> the gap's <c>count</c> (null when absent). False when one of them is missing or of
    /// the wrong type.
    /// </summary>
    public static bool TryReadPosition(ReadOnlySpan<byte> json, bool withCount, out string stream, out StreamPosition position, out long? count)
    {
        string? s = null, e = null;
        long? o = null;
        long? lost = null;
        var countValid = true;
        var read = TryReadObject(json, (ref Utf8JsonReader reader) =>
        {
            if (reader.ValueTextEquals("s"u8))
            {
                reader.Read();
                s = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("e"u8))
            {
                reader.Read();
                e = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("o"u8))
            {
                reader.Read();
                o = TryReadCount(ref reader, out var value) ? value : null;
            }
            else if (withCount && reader.ValueTextEquals("count"u8))
            {
                reader.Read();
                countValid = TryReadCount(ref reader, out var value);
                lost = countValid ? value : null;
            }
            else
            {
                reader.Read();
            }
            reader.Skip();
        });
        stream = s ?? "";
        position = new StreamPosition(e ?? "", o ?? 0);
        count = lost;
        return read && s is not null && e is not null && o is not null && countValid;
    }

    private delegate void PropertyReader(ref Utf8JsonReader reader);

    /// <summary>Reads one JSON object, handing each property (the reader on its name) to <paramref name="property"/>, which reads past its value.</summary>
    private static bool TryReadObject(ReadOnlySpan<byte> json, PropertyReader property)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName) property(ref reader);
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return false; // not JSON, or a string that is not UTF-8
        }
    }

    /// <summary>An integer from 0 to 2⁵³−1.</summary>
    private static bool TryReadCount(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value is >= 0 and <= MessageHeader.MaxInteger;
    }
}
