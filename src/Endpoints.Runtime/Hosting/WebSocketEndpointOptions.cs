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

    /// <summary>
    /// Origins (e.g. <c>"https://app.example.com"</c>) allowed to open connections from a browser, against
    /// cross-site WebSocket hijacking. A request from the server's own origin is always allowed, and so is
    /// one without an <c>Origin</c> header (not a browser). Empty (the default) allows only the same origin;
    /// <c>"*"</c> allows any. Anything else gets 403 before the upgrade.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = new List<string>();

    /// <summary>How often the server pings the client. Default 30 seconds.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the server waits for the answer to a ping before it drops the connection (reason
    /// <c>TimedOut</c>). Default: no limit, as in ASP.NET Core; a client only answers pings while it reads.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Closes a connection (1000, reason <c>TimedOut</c>) when no message has arrived for this long.
    /// Pings and pongs do not count. Default: no limit.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    internal IEnumerable<string> Validate()
    {
        if (MaxMessageSize <= 0) yield return $"{nameof(MaxMessageSize)} must be greater than zero (it is {MaxMessageSize}).";
        if (ReceiveBufferSize <= 0) yield return $"{nameof(ReceiveBufferSize)} must be greater than zero (it is {ReceiveBufferSize}).";
        if (OutboxCapacity <= 0) yield return $"{nameof(OutboxCapacity)} must be greater than zero (it is {OutboxCapacity}).";
        if (CloseTimeout <= TimeSpan.Zero) yield return $"{nameof(CloseTimeout)} must be positive (it is {CloseTimeout}).";
        if (KeepAliveInterval < TimeSpan.Zero) yield return $"{nameof(KeepAliveInterval)} must not be negative (it is {KeepAliveInterval}).";
        if (KeepAliveTimeout <= TimeSpan.Zero && KeepAliveTimeout != Timeout.InfiniteTimeSpan) yield return $"{nameof(KeepAliveTimeout)} must be positive or Timeout.InfiniteTimeSpan (it is {KeepAliveTimeout}).";
        if (IdleTimeout <= TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan) yield return $"{nameof(IdleTimeout)} must be positive or Timeout.InfiniteTimeSpan (it is {IdleTimeout}).";
        foreach (var origin in AllowedOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _)) yield return $"{nameof(AllowedOrigins)} holds '{origin}', which is neither \"*\" nor an origin such as https://app.example.com.";
        }
    }
}
