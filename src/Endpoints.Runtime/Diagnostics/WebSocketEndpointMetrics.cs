using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Endpoints.Runtime.Diagnostics;

/// <summary>
/// The library's meter, <c>Endpoints.WebSockets</c>. Every instrument carries the endpoint's name as
/// <c>endpoint</c>; closes also carry the <c>reason</c>. Recording costs almost nothing while no one listens.
/// </summary>
internal sealed class WebSocketEndpointMetrics : IDisposable
{
    /// <summary>The meter's (and the activity source's) name.</summary>
    public const string MeterName = "Endpoints.WebSockets";

    private static readonly Lazy<WebSocketEndpointMetrics> s_shared = new(() => new WebSocketEndpointMetrics(null));

    private readonly Meter _meter;

    /// <summary>Creates the instruments, from the host's meter factory when there is one.</summary>
    public WebSocketEndpointMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        ActiveConnections = _meter.CreateUpDownCounter<long>("endpoints.websocket.connections.active", "{connection}", "Open WebSocket connections.");
        OpenedConnections = _meter.CreateCounter<long>("endpoints.websocket.connections.opened", "{connection}", "WebSocket connections accepted.");
        ClosedConnections = _meter.CreateCounter<long>("endpoints.websocket.connections.closed", "{connection}", "WebSocket connections ended, by reason.");
        MessagesReceived = _meter.CreateCounter<long>("endpoints.websocket.messages.received", "{message}", "Whole messages received.");
        MessagesSent = _meter.CreateCounter<long>("endpoints.websocket.messages.sent", "{message}", "Messages written to the socket.");
        BytesReceived = _meter.CreateCounter<long>("endpoints.websocket.bytes.received", "By", "Payload bytes of received messages.");
        BytesSent = _meter.CreateCounter<long>("endpoints.websocket.bytes.sent", "By", "Payload bytes of sent messages.");
        OutboxDepth = _meter.CreateUpDownCounter<long>("endpoints.websocket.outbox.depth", "{message}", "Messages queued in outboxes, not yet written.");
        FanOutQueued = _meter.CreateCounter<long>("endpoints.websocket.fanout.queued", "{message}", "Messages a group, user or broadcast send queued for a connection.");
        FanOutDropped = _meter.CreateCounter<long>("endpoints.websocket.fanout.dropped", "{message}", "Messages a group, user or broadcast send dropped for a connection whose outbox was full or closing.");
        HandlerDuration = _meter.CreateHistogram<double>("endpoints.websocket.handler.duration", "s", "Time spent in OnText and OnBinary.");
        Errors = _meter.CreateCounter<long>("endpoints.websocket.errors", "{error}", "Callbacks that threw.");
    }

    internal static WebSocketEndpointMetrics Shared => s_shared.Value;

    internal static ActivitySource ActivitySource { get; } = new(MeterName);

    internal UpDownCounter<long> ActiveConnections { get; }
    internal Counter<long> OpenedConnections { get; }
    internal Counter<long> ClosedConnections { get; }
    internal Counter<long> MessagesReceived { get; }
    internal Counter<long> MessagesSent { get; }
    internal Counter<long> BytesReceived { get; }
    internal Counter<long> BytesSent { get; }
    internal UpDownCounter<long> OutboxDepth { get; }

    internal Counter<long> FanOutQueued { get; }

    internal Counter<long> FanOutDropped { get; }
    internal Histogram<double> HandlerDuration { get; }
    internal Counter<long> Errors { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
