namespace Endpoints.Generator.Parsing;

/// <summary>The callbacks an endpoint may have, in the order they are bound (OnOpen first: it decides the state).</summary>
internal enum CallbackKind
{
    Open,
    Text,
    Binary,
    Close,
    Error,
}
