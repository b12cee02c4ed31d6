namespace Endpoints.Client;

/// <summary>
/// Makes the partial class it marks a typed client of a <c>[WebSocketEndpoint]</c> class: Endpoints.Client's generator
/// reads the endpoint's contract (its route, what it receives, replies and sends, its JSON context) and writes the
/// class's other half over <see cref="TypedEndpointsClient"/>: <c>ConnectAsync</c> with the route values, a
/// <c>SendAsync</c> and <c>SendWithAckAsync</c> per message type the endpoint receives, <c>RequestAsync</c> typed by
/// what its <c>OnMessage</c> returns, <c>SendTextAsync</c> / <c>SendBinaryAsync</c> where it has <c>OnText</c> /
/// <c>OnBinary</c>, an <c>On…Request</c> per type it sends, and <see cref="TypedEndpointsClient.ReadAllAsync"/> that
/// yields what it sends, decoded. The endpoint may be in this project or in a referenced one (a server project or a
/// shared contract library).
/// </summary>
/// <example><code>[WebSocketClient(typeof(ChatEndpoint))] public partial class ChatClient;</code></example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WebSocketClientAttribute(Type endpoint) : Attribute
{
    /// <summary>The <c>[WebSocketEndpoint]</c> class this client talks to.</summary>
    public Type Endpoint { get; } = endpoint;

    /// <summary>
    /// The <c>JsonSerializerContext</c> the client's typed messages go through. Unset: the endpoint's own context when
    /// this project can use it (public, or internal with InternalsVisibleTo), else a context of this project that
    /// covers every type. Either way it must write names as the endpoint's does (same naming policy).
    /// </summary>
    public Type? JsonContext { get; set; }
}
