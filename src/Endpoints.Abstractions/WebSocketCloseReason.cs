namespace Endpoints;

/// <summary>Why a WebSocket connection ended, as seen by the server.</summary>
public enum WebSocketCloseReason
{
    /// <summary>The client started the close handshake.</summary>
    ClientClosed,

    /// <summary>The server closed it: <c>CloseAsync</c> was called or the outbox was completed.</summary>
    ServerClosed,

    /// <summary>The host is shutting down (close status 1001 Going Away).</summary>
    ServerShutdown,

    /// <summary>A callback threw; the connection was closed with 1011 Internal Error.</summary>
    Error,

    /// <summary>The client broke the WebSocket protocol (1002) or sent text that is not UTF-8 (1007).</summary>
    ProtocolError,

    /// <summary>A message was larger than the endpoint's maximum (1009 Message Too Big).</summary>
    MessageTooBig,

    /// <summary>The peer stopped answering within the configured time.</summary>
    TimedOut,

    /// <summary>The TCP connection ended without a close handshake.</summary>
    Aborted,

    /// <summary>The client broke a limit the server sets (1008): too many messages, or reading too slowly.</summary>
    PolicyViolation,
}
