using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime.Hosting;

/// <summary>
/// What every connection of one mapped endpoint shares: its services, its limits with the options' fallbacks applied,
/// its metrics tag and its registry, made on its first connection. A connection's objects keep one reference to this
/// rather than a copy of each, which is most of what an idle connection would otherwise hold.
/// </summary>
internal sealed class MappedEndpoint
{
    /// <param name="services">The app-wide services.</param>
    /// <param name="source">What the endpoint was made from (its generated settings), to tell one endpoint from another.</param>
    /// <param name="name">The endpoint's name, for logs, metrics and traces.</param>
    /// <param name="maxMessageSize">The endpoint's own limit, or 0 for the options'.</param>
    /// <param name="maxStreamedMessageSize">The endpoint's own limit for streamed messages, or 0 for the options'.</param>
    /// <param name="registry">The endpoint's live connections.</param>
    public MappedEndpoint(EndpointServices services, object source, string name, int maxMessageSize, long maxStreamedMessageSize, ConnectionRegistry registry)
    {
        Services = services;
        Source = source;
        Name = name;
        Registry = registry;
        Options = services.Options;
        Tag = new("endpoint", name);
        MaxMessageSize = maxMessageSize > 0 ? maxMessageSize : Options.MaxMessageSize;
        MaxStreamedMessageSize = maxStreamedMessageSize > 0 ? maxStreamedMessageSize : Options.MaxStreamedMessageSize;
        ReceiveBufferSize = Math.Max(16, Options.ReceiveBufferSize);
    }

    public EndpointServices Services { get; }

    /// <summary>What the endpoint was made from: the same source, the same endpoint.</summary>
    public object Source { get; }

    /// <summary>The endpoint's live connections, groups and users.</summary>
    public ConnectionRegistry Registry { get; }

    public WebSocketEndpointOptions Options { get; }

    public string Name { get; }

    /// <summary>The <c>endpoint</c> tag on every metric.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    public int MaxMessageSize { get; }

    public long MaxStreamedMessageSize { get; }

    public int ReceiveBufferSize { get; }

    public ILogger Logger => Services.Logger;

    public WebSocketEndpointMetrics Metrics => Services.Metrics;

    public TimeProvider Time => Services.Time;
}
