namespace Endpoints;

/// <summary>
/// Marks a class as a WebSocket endpoint served at <see cref="Pattern"/>. The Endpoints source generator
/// writes the route registration, parameter binding and receive-loop wiring for it at compile time.
/// </summary>
/// <remarks>
/// Callbacks are found by name: <c>OnOpen</c>, <c>OnText</c>, <c>OnBinary</c>, <c>OnMessage</c> (typed JSON, one per message
/// type), <c>OnInvalidMessage</c>, <c>OnClose</c>, <c>OnError</c>.
/// What <c>OnOpen</c> returns becomes the connection's state and may be taken by the other callbacks.
/// Only a class (or record class) is an endpoint. The attribute may be written on a struct, an interface or a method
/// only so that the generator, rather than the compiler's generic CS0592, can say what to do instead (WS0017).
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
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

    /// <summary>
    /// The largest message, in bytes, an <c>OnBinary(Stream)</c> or <c>OnText(TextReader)</c> of this endpoint reads while it
    /// arrives; larger ones close the connection with 1009. Zero (the default) uses
    /// <c>WebSocketEndpointOptions.MaxStreamedMessageSize</c>.
    /// </summary>
    public long MaxStreamedMessageSize { get; set; }

    /// <summary>
    /// The subprotocols this endpoint speaks. The server picks the first one in the client's
    /// <c>Sec-WebSocket-Protocol</c> list that is also here; a client that offers none of them gets 400.
    /// Empty (the default): the endpoint speaks no subprotocol and ignores the client's list.
    /// </summary>
    public string[]? SubProtocols { get; set; }

    /// <summary>
    /// Origins (e.g. <c>"https://app.example.com"</c>) allowed to open a connection from a browser, instead of
    /// <c>WebSocketEndpointOptions.AllowedOrigins</c>. <c>"*"</c> allows any origin.
    /// </summary>
    public string[]? AllowedOrigins { get; set; }

    /// <summary>
    /// Negotiates permessage-deflate compression when the client offers it. Off by default: compressing
    /// secrets together with data an attacker controls can leak them (CRIME/BREACH).
    /// </summary>
    public bool EnableCompression { get; set; }

    /// <summary>
    /// The <c>System.Text.Json</c> source-generated context (a <c>JsonSerializerContext</c> subclass) that serializes this
    /// endpoint's typed messages (<c>OnMessage</c> and <see cref="Sends"/>). Null (the default): the context of the
    /// endpoint's project that covers its message types.
    /// </summary>
    public Type? JsonContext { get; set; }

    /// <summary>
    /// The message types this endpoint sends with <c>connection.SendAsync(message)</c> and <c>IWebSocketTarget&lt;T&gt;.SendAsync(message)</c>.
    /// A send of any other type is a compile-time error. With more than one, each message carries its type's
    /// discriminator (see <see cref="MessageTypeProperty"/>).
    /// </summary>
    public Type[]? Sends { get; set; }

    /// <summary>
    /// The JSON property that names a typed message's type when an endpoint receives (or sends) several, e.g.
    /// <c>{"type":"move",…}</c>. Default <c>"type"</c>, as System.Text.Json's polymorphism writes it.
    /// </summary>
    public string MessageTypeProperty { get; set; } = "type";

    /// <summary>
    /// Whether messages to this endpoint's clients survive reconnects: <see cref="WebSocketDelivery.Resumable"/> numbers,
    /// keeps and replays them (for clients that speak <c>endpoints.v1</c>); <see cref="WebSocketDelivery.Live"/> (the
    /// default) keeps nothing.
    /// </summary>
    public WebSocketDelivery Delivery { get; set; }
}
