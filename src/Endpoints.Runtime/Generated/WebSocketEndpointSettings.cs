using System.ComponentModel;

namespace Endpoints.Runtime.Generated;

/// <summary>
/// One endpoint's own settings, from its class and its <c>[WebSocketEndpoint]</c> attribute. The generator creates one
/// instance per endpoint; anything left unset falls back to <see cref="WebSocketEndpointOptions"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WebSocketEndpointSettings
{
    /// <summary>The endpoint class's full name, for logs, metrics and traces.</summary>
    public required string Name { get; init; }

    /// <summary>The endpoint class: its connections are the ones <see cref="IWebSocketClients{TEndpoint}"/> of it reaches.</summary>
    public Type? EndpointType { get; init; }

    /// <summary>The route pattern.</summary>
    public required string Pattern { get; init; }

    /// <summary>The largest message in bytes; 0 uses the options.</summary>
    public int MaxMessageSize { get; init; }

    /// <summary>The largest streamed message in bytes; 0 uses the options.</summary>
    public long MaxStreamedMessageSize { get; init; }

    /// <summary>The subprotocols the endpoint speaks, in its order of preference; empty when it speaks none in particular.</summary>
    public IReadOnlyList<string> SubProtocols { get; init; } = [];

    /// <summary>Origins allowed to open a connection from a browser; null uses the options.</summary>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>Whether to negotiate permessage-deflate when the client offers it.</summary>
    public bool EnableCompression { get; init; }

    /// <summary>Whether messages are numbered, kept and replayed for clients that come back (<see cref="WebSocketDelivery.Resumable"/>).</summary>
    public bool Resumable { get; init; }

    /// <summary>How the endpoint's typed messages are encoded (generated over its <c>JsonSerializerContext</c>); null without typed messages.</summary>
    public WebSocketMessageCodec? Codec { get; init; }

    /// <summary>The services the endpoint cannot do without; checked when it is mapped, so a missing one fails the app at startup.</summary>
    public IReadOnlyList<WebSocketEndpointService> Services { get; init; } = [];
}

/// <summary>A service an endpoint needs, and what needs it (for the startup check's message).</summary>
/// <param name="ServiceType">The service type.</param>
/// <param name="UsedBy">What takes it, e.g. <c>constructor parameter 'rooms'</c>.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record WebSocketEndpointService(Type ServiceType, string UsedBy);
