using System.Buffers;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Endpoints.Runtime.Fanout;

namespace Endpoints.Runtime.Generated;

/// <summary>
/// Turns an endpoint's typed messages into frames. The generator writes one per endpoint with typed messages, over
/// the user's <c>JsonSerializerContext</c> (no reflection). This is also the seam for other encodings: a codec for
/// MessagePack or Protobuf would return binary messages from <see cref="TryEncode{TMessage}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class WebSocketMessageCodec : ITypedMessageEncoder
{
    /// <summary>Encodes <paramref name="message"/>; false when its type is not one the endpoint sends.</summary>
    public abstract bool TryEncode<TMessage>(TMessage message, out WebSocketMessage encoded);

    /// <summary>
    /// How the endpoint's JSON context reads and writes <paramref name="type"/> (a reply to a server's request is read
    /// with it); null when the context does not cover it.
    /// </summary>
    public virtual JsonTypeInfo? GetTypeInfo(Type type) => null;

    /// <summary>As <see cref="GetTypeInfo(Type)"/>, typed.</summary>
    public JsonTypeInfo<T>? TypeInfo<T>() => GetTypeInfo(typeof(T)) as JsonTypeInfo<T>;

    /// <summary>Encodes or says which type the endpoint does not declare.</summary>
    public WebSocketMessage Encode<TMessage>(TMessage message)
        => TryEncode(message, out var encoded)
            ? encoded
            : throw new InvalidOperationException($"'{typeof(TMessage).Name}' is not one of the types this endpoint sends; add typeof({typeof(TMessage).Name}) to its Sends.");
}

/// <summary>What the generated dispatch of typed messages uses: the type property, and JSON in and out. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WebSocketJson
{
    /// <summary>
    /// Finds the top-level <paramref name="property"/> of a JSON object and returns its string value's range in
    /// <paramref name="utf8"/> (no allocation). False with <paramref name="invalidJson"/> set when the text is not a JSON
    /// object; false without it when the object has no such string property.
    /// </summary>
    public static bool TryReadType(ReadOnlySpan<byte> utf8, ReadOnlySpan<byte> property, out Range value, out bool invalidJson, out string? escaped)
    {
        value = default;
        escaped = null;
        invalidJson = false;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                invalidJson = true;
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(property);
                reader.Read();
                if (found && reader.TokenType == JsonTokenType.String)
                {
                    var start = (int)reader.TokenStartIndex + 1; // after the opening quote
                    if (reader.ValueIsEscaped) escaped = reader.GetString();
                    value = start..(start + reader.ValueSpan.Length);
                    return true;
                }
                reader.Skip();
            }
            return false;
        }
        catch (JsonException)
        {
            invalidJson = true;
            return false;
        }
    }

    /// <summary>Whether the type property read by <see cref="TryReadType"/> is <paramref name="expected"/>.</summary>
    public static bool TypeIs(ReadOnlySpan<byte> utf8, Range value, string? escaped, ReadOnlySpan<byte> expected)
        => escaped is null ? utf8[value].SequenceEqual(expected) : Encoding.UTF8.GetBytes(escaped).AsSpan().SequenceEqual(expected);

    /// <summary>The type property's value as text, for <see cref="WebSocketInvalidMessage.TypeName"/>.</summary>
    public static string TypeText(ReadOnlySpan<byte> utf8, Range value, string? escaped) => escaped ?? Encoding.UTF8.GetString(utf8[value]);

    /// <summary>Deserializes through source-generated metadata; false with the reason when the JSON does not fit.</summary>
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> typeInfo, out T value, out string? error)
    {
        try
        {
            value = JsonSerializer.Deserialize(utf8, typeInfo)!;
            if (value is null)
            {
                error = "the message is JSON null";
                return false;
            }
            error = null;
            return true;
        }
        catch (JsonException exception)
        {
            value = default!;
            error = exception.Message;
            return false;
        }
    }

    /// <summary>
    /// Serializes a message as UTF-8 JSON; with a type property, it comes first: <c>{"type":"moved",…}</c>. The
    /// message must serialize as a JSON object.
    /// </summary>
    public static WebSocketMessage Serialize<T>(T value, JsonTypeInfo<T> typeInfo, ReadOnlySpan<byte> typeProperty, ReadOnlySpan<byte> typeName)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        var json = buffer.WrittenSpan;
        if (typeProperty.IsEmpty) return WebSocketMessage.FromUtf8Text(json.ToArray());
        if (json.Length < 2 || json[0] != (byte)'{') throw new InvalidOperationException($"'{typeof(T).Name}' must serialize as a JSON object to carry its type.");
        // {"type":"name",  + the rest after '{' (no comma when the object is empty).
        var empty = json.Length == 2;
        var head = 1 + 1 + typeProperty.Length + 3 + typeName.Length + 1 + (empty ? 0 : 1);
        var result = new byte[head + json.Length - 1];
        var span = result.AsSpan();
        span[0] = (byte)'{';
        span[1] = (byte)'"';
        typeProperty.CopyTo(span[2..]);
        var at = 2 + typeProperty.Length;
        "\":\""u8.CopyTo(span[at..]);
        at += 3;
        typeName.CopyTo(span[at..]);
        at += typeName.Length;
        span[at++] = (byte)'"';
        if (!empty) span[at++] = (byte)',';
        json[1..].CopyTo(span[at..]);
        return WebSocketMessage.FromUtf8Text(result);
    }
}
