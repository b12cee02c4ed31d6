namespace Endpoints;

/// <summary>What an endpoint promises about the messages it sends (see docs/protocol.md).</summary>
public enum WebSocketDelivery
{
    /// <summary>
    /// Each message goes to the connections that are there when it is sent; one that is away (reconnecting) misses it.
    /// The default: nothing is kept.
    /// </summary>
    Live,

    /// <summary>
    /// Clients that speak <c>endpoints.v1</c> (the browser module, <c>Endpoints.Client</c>) get every message once and in
    /// order across reconnects: the server numbers what it sends per stream (each group, the user, the connection's
    /// session, all), keeps a bounded history, and replays what a client missed when it comes back, or tells it what
    /// could not be replayed. Plain WebSocket clients get plain messages as with <see cref="Live"/>.
    /// </summary>
    Resumable,
}
