using Endpoints.Runtime.Generated;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// What every connection of one mapped endpoint shares: its services, its limits with the options' fallbacks applied,
/// its metrics tag and its registry, made on its first connection. A connection's objects keep one reference to this
/// rather than a copy of each, which is most of what an idle connection would otherwise hold.
/// </summary>
internal sealed class MappedEndpoint
{
    public MappedEndpoint(EndpointServices services, WebSocketEndpointSettings settings, ConnectionRegistry registry)
    {
        Services = services;
        Settings = settings;
        Registry = registry;
        Options = services.Options;
        Tag = new("endpoint", settings.Name);
        MaxMessageSize = settings.MaxMessageSize > 0 ? settings.MaxMessageSize : Options.MaxMessageSize;
        MaxStreamedMessageSize = settings.MaxStreamedMessageSize > 0 ? settings.MaxStreamedMessageSize : Options.MaxStreamedMessageSize;
        ReceiveBufferSize = Math.Max(16, Options.ReceiveBufferSize);
    }

    public EndpointServices Services { get; }

    public WebSocketEndpointSettings Settings { get; }

    /// <summary>The endpoint's live connections, groups and users.</summary>
    public ConnectionRegistry Registry { get; }

    public WebSocketEndpointOptions Options { get; }

    public string Name => Settings.Name;

    /// <summary>The <c>endpoint</c> tag on every metric.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    public int MaxMessageSize { get; }

    public long MaxStreamedMessageSize { get; }

    public int ReceiveBufferSize { get; }

    public ILogger Logger => Services.Logger;

    public WebSocketEndpointMetrics Metrics => Services.Metrics;

    public TimeProvider Time => Services.Time;
}
