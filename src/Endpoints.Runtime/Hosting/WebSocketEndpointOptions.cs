namespace Endpoints;

/// <summary>Settings shared by every WebSocket endpoint; configure with <c>services.AddWebSocketEndpoints(…)</c>.</summary>
public sealed class WebSocketEndpointOptions
{
    /// <summary>
    /// The largest message, in bytes, after fragments are assembled. A larger one closes the connection
    /// with 1009 Message Too Big. Default 1 MiB. An endpoint's attribute may set its own.
    /// </summary>
    public int MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>The size of the pooled buffer each connection starts receiving into. Default 4 KiB.</summary>
    public int ReceiveBufferSize { get; set; } = 4 * 1024;

    /// <summary>
    /// How many outgoing messages may wait in a connection's outbox. When it is full, <c>SendTextAsync</c>
    /// and <c>SendBinaryAsync</c> wait for room and <c>TrySend…</c> return <see langword="false"/>,
    /// so a client that reads slowly cannot grow the server's memory without bound. Default 256.
    /// </summary>
    public int OutboxCapacity { get; set; } = 256;

    /// <summary>
    /// How long the server waits, once a close has been requested, for queued messages to go out and
    /// the client to answer the close frame before it drops the TCP connection. Default 5 seconds.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Validate()
    {
        if (MaxMessageSize <= 0) yield return $"{nameof(MaxMessageSize)} must be greater than zero (it is {MaxMessageSize}).";
        if (ReceiveBufferSize <= 0) yield return $"{nameof(ReceiveBufferSize)} must be greater than zero (it is {ReceiveBufferSize}).";
        if (OutboxCapacity <= 0) yield return $"{nameof(OutboxCapacity)} must be greater than zero (it is {OutboxCapacity}).";
        if (CloseTimeout <= TimeSpan.Zero) yield return $"{nameof(CloseTimeout)} must be positive (it is {CloseTimeout}).";
    }
}
