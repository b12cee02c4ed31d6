namespace Endpoints;

/// <summary>
/// Marks a class as a WebSocket endpoint served at <see cref="Pattern"/>. The Endpoints source generator
/// writes the route registration, parameter binding and receive-loop wiring for it at compile time.
/// </summary>
/// <remarks>
/// Callbacks are found by name: <c>OnOpen</c>, <c>OnText</c>, <c>OnBinary</c>, <c>OnClose</c>, <c>OnError</c>.
/// What <c>OnOpen</c> returns becomes the connection's state and may be taken by the other callbacks.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WebSocketEndpointAttribute : Attribute
{
    /// <summary>Creates the attribute with the route pattern, e.g. <c>"/chat/{room}"</c>.</summary>
    public WebSocketEndpointAttribute(string pattern) => Pattern = pattern;

    /// <summary>The route pattern, in ASP.NET Core route template syntax.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The largest message, in bytes, this endpoint accepts after fragments are assembled; larger ones
    /// close the connection with 1009. Zero (the default) uses <c>WebSocketEndpointOptions.MaxMessageSize</c>.
    /// </summary>
    public int MaxMessageSize { get; set; }
}
