using System.ComponentModel;

namespace Endpoints.Runtime.Generated;

/// <summary>
/// One endpoint's own settings, from its <c>[WebSocketEndpoint]</c> attribute. The generator creates one
/// instance per endpoint; anything left unset falls back to <see cref="WebSocketEndpointOptions"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WebSocketEndpointSettings
{
    /// <summary>The endpoint class's full name, for logs, metrics and traces.</summary>
    public required string Name { get; init; }

    /// <summary>The largest message in bytes; 0 uses the options.</summary>
    public int MaxMessageSize { get; init; }

    /// <summary>The subprotocols the endpoint speaks, in its order of preference; empty when it speaks none in particular.</summary>
    public IReadOnlyList<string> SubProtocols { get; init; } = [];

    /// <summary>Origins allowed to open a connection from a browser; null uses the options.</summary>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>Whether to negotiate permessage-deflate when the client offers it.</summary>
    public bool EnableCompression { get; init; }
}
