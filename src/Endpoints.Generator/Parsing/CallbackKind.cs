namespace Endpoints.Generator.Parsing;

/// <summary>The callbacks an endpoint may have, in the order they are bound (OnOpen first: it decides the state).</summary>
internal enum CallbackKind
{
    Open,
    Text,
    Binary,
    Close,
    Error,
    /// <summary>OnMessage: a typed (JSON) text message; an endpoint may have one per message type.</summary>
    Message,
    /// <summary>OnInvalidMessage: a text message that is not one of the typed messages.</summary>
    InvalidMessage,
}
