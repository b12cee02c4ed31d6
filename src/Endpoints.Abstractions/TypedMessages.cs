namespace Endpoints;

/// <summary>
/// Names a typed message's type on the wire (the value of the endpoint's <c>MessageTypeProperty</c>, <c>"type"</c> by
/// default), e.g. <c>[WebSocketMessage("move")]</c>. Without it, the type's name in camelCase (<c>Move</c> → <c>"move"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class WebSocketMessageAttribute(string discriminator) : Attribute
{
    /// <summary>The value that names this type in a message's type property.</summary>
    public string Discriminator { get; } = discriminator;
}

/// <summary>Why a text message could not be handed to an <c>OnMessage</c> callback.</summary>
public enum WebSocketInvalidMessageReason
{
    /// <summary>Not JSON, not a JSON object, or not the shape of the message type (closes with 1007 without <c>OnInvalidMessage</c>).</summary>
    InvalidJson,

    /// <summary>The type property is missing or names no <c>OnMessage</c> type (closes with 1003 without <c>OnInvalidMessage</c>).</summary>
    UnknownType,
}

/// <summary>A text message that is not one of the endpoint's typed messages, for <c>OnInvalidMessage</c>.</summary>
/// <param name="Reason">Invalid JSON or an unknown type.</param>
/// <param name="Detail">What was wrong, for logs (never the message itself).</param>
/// <param name="TypeName">The type property's value when there was one.</param>
public sealed record WebSocketInvalidMessage(WebSocketInvalidMessageReason Reason, string Detail, string? TypeName);
