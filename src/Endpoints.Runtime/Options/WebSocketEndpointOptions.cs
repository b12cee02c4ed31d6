namespace Endpoints;

/// <summary>Settings shared by every WebSocket endpoint; configure with <c>services.AddWebSocketEndpoints(…)</c>.</summary>
public sealed class WebSocketEndpointOptions
{
    /// <summary>
    /// The largest message, in bytes, after fragments are assembled. A larger one closes the connection
    /// with 1009 Message Too Big. Default 1 MiB. An endpoint's attribute may set its own.
    /// </summary>
    public int MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// The largest message, in bytes, an <c>OnBinary(Stream)</c> or <c>OnText(TextReader)</c> reads while it arrives (such
    /// a message is never held whole, so the limit can be far above <see cref="MaxMessageSize"/>). A larger one closes
    /// the connection with 1009. Default 1 GiB. An endpoint's attribute may set its own.
    /// </summary>
    public long MaxStreamedMessageSize { get; set; } = 1L << 30;

    /// <summary>
    /// The size of the pooled buffer a connection reads into while bytes are arriving (an idle connection holds none).
    /// Several small messages that arrive together are read at once; a message that arrives whole in it is handed to the
    /// callback without a copy. Default 4 KiB.
    /// </summary>
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

    /// <summary>
    /// Offers permessage-deflate (RFC 7692) on every endpoint, as <c>EnableCompression = true</c> on the attribute
    /// does for one. A client that does not ask for it still gets plain frames. Default false: compression costs
    /// CPU and memory per connection, and compressed secrets next to attacker-chosen text can leak (CRIME/BREACH).
    /// </summary>
    public bool EnableCompression { get; set; }

    /// <summary>
    /// How often the server sends a keep-alive frame: an unsolicited pong without <see cref="KeepAliveTimeout"/>, a ping
    /// with it. Zero turns keep-alive off. Default 30 seconds.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the server waits for the answer to a keep-alive ping before it drops the connection (reason
    /// <c>TimedOut</c>). Default: no limit, as in ASP.NET Core; a client only answers pings while it reads.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Closes a connection (1000, reason <c>TimedOut</c>) when no message has arrived for this long. A message still
    /// arriving counts while its data keeps coming (a slow streamed upload is not cut off; one that stalls is closed within
    /// two timeouts); pings and pongs do not count. Default: no limit.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// A limit on how many messages each connection may send, or null (the default) for none. A client over
    /// it has its messages dropped or is closed with 1008, as <see cref="WebSocketMessageRateLimit.Policy"/> says.
    /// </summary>
    public WebSocketMessageRateLimit? MessageRateLimit { get; set; }

    /// <summary>
    /// What a send does when the connection's outbox is full because the client reads too slowly: wait for
    /// room (the default), or close the connection with 1008. The outbox fills through <c>TrySend…</c> and
    /// <c>Outbox</c> writes, which do not wait for the frame to be written (the broadcast pattern);
    /// <c>SendTextAsync</c> / <c>SendBinaryAsync</c> wait for their own frame, so they hold the sender back anyway.
    /// </summary>
    public OutboxFullPolicy OutboxFullPolicy { get; set; } = OutboxFullPolicy.Wait;

    /// <summary>
    /// The longest group name (in characters) a connection may join or a message may be sent to; a longer one throws
    /// <see cref="ArgumentException"/>. Group names often come from clients, and each one a server holds costs memory (and,
    /// with a backplane, a channel). Default 1,024.
    /// </summary>
    public int MaxGroupNameLength { get; set; } = 1024;

    /// <summary>
    /// How many groups one connection may be in at once; one more join throws <see cref="InvalidOperationException"/>.
    /// Default 1,000.
    /// </summary>
    public int MaxGroupsPerConnection { get; set; } = 1000;

    /// <summary>
    /// How much a <see cref="WebSocketDelivery.Resumable"/> endpoint keeps to replay: per stream (a group, a user, a
    /// session, all) at most <see cref="WebSocketHistoryOptions.MaxMessages"/> messages for at most
    /// <see cref="WebSocketHistoryOptions.MaxAge"/>, and a session as long after its last connection ended.
    /// </summary>
    public WebSocketHistoryOptions History { get; } = new();

    /// <summary>
    /// The key that signs session tokens (at least 32 bytes). Null (the default): a random key per process, so a token
    /// resumes only on the server that made it; servers that share sessions (a backplane) share the key.
    /// </summary>
    public byte[]? SessionKey { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (History.MaxMessages <= 0) yield return $"{nameof(History)}.{nameof(WebSocketHistoryOptions.MaxMessages)} must be greater than zero (it is {History.MaxMessages}).";
        if (History.MaxAge <= TimeSpan.Zero) yield return $"{nameof(History)}.{nameof(WebSocketHistoryOptions.MaxAge)} must be positive (it is {History.MaxAge}).";
        if (SessionKey is { Length: < 32 }) yield return $"{nameof(SessionKey)} must be at least 32 bytes (it is {SessionKey.Length}).";
        if (MaxMessageSize <= 0) yield return $"{nameof(MaxMessageSize)} must be greater than zero (it is {MaxMessageSize}).";
        if (MaxStreamedMessageSize <= 0) yield return $"{nameof(MaxStreamedMessageSize)} must be greater than zero (it is {MaxStreamedMessageSize}).";
        if (ReceiveBufferSize <= 0) yield return $"{nameof(ReceiveBufferSize)} must be greater than zero (it is {ReceiveBufferSize}).";
        if (OutboxCapacity <= 0) yield return $"{nameof(OutboxCapacity)} must be greater than zero (it is {OutboxCapacity}).";
        if (CloseTimeout <= TimeSpan.Zero) yield return $"{nameof(CloseTimeout)} must be positive (it is {CloseTimeout}).";
        if (KeepAliveInterval < TimeSpan.Zero) yield return $"{nameof(KeepAliveInterval)} must not be negative (it is {KeepAliveInterval}).";
        if (KeepAliveTimeout <= TimeSpan.Zero && KeepAliveTimeout != Timeout.InfiniteTimeSpan) yield return $"{nameof(KeepAliveTimeout)} must be positive or Timeout.InfiniteTimeSpan (it is {KeepAliveTimeout}).";
        if (IdleTimeout <= TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan) yield return $"{nameof(IdleTimeout)} must be positive or Timeout.InfiniteTimeSpan (it is {IdleTimeout}).";
        if (MaxGroupNameLength <= 0) yield return $"{nameof(MaxGroupNameLength)} must be greater than zero (it is {MaxGroupNameLength}).";
        if (MaxGroupsPerConnection <= 0) yield return $"{nameof(MaxGroupsPerConnection)} must be greater than zero (it is {MaxGroupsPerConnection}).";
        if (MessageRateLimit is { } limit && (limit.MessagesPerSecond <= 0 || limit.Burst <= 0))
        {
            yield return $"{nameof(MessageRateLimit)} needs MessagesPerSecond and Burst greater than zero (they are {limit.MessagesPerSecond} and {limit.Burst}).";
        }
        foreach (var origin in AllowedOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _)) yield return $"{nameof(AllowedOrigins)} holds '{origin}', which is neither \"*\" nor an origin such as https://app.example.com.";
        }
    }
}

/// <summary>How much history a resumable endpoint keeps per stream (see <see cref="WebSocketEndpointOptions.History"/>).</summary>
public sealed class WebSocketHistoryOptions
{
    /// <summary>The most messages kept per stream. Default 300.</summary>
    public int MaxMessages { get; set; } = 300;

    /// <summary>How long a message is kept, and a session after its last connection. Default 2 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a connection that ended stays present (in its groups and as its user, for presence queries; messages
    /// are kept for it, not sent), so that a client that resumes its session within it shows as one member, not as a
    /// leave and a join. Default 10 seconds; zero reports the departure at once; at most <see cref="MaxAge"/> (the session's life).
    /// </summary>
    public TimeSpan PresenceGrace { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>A token bucket per connection: <see cref="Burst"/> messages at once, refilled at <see cref="MessagesPerSecond"/>.</summary>
public sealed class WebSocketMessageRateLimit
{
    /// <summary>How fast the bucket refills.</summary>
    public int MessagesPerSecond { get; set; } = 50;

    /// <summary>How many messages may arrive at once.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>What happens to a message over the limit.</summary>
    public MessageRateLimitPolicy Policy { get; set; } = MessageRateLimitPolicy.Close;
}

/// <summary>What happens to a message over the rate limit.</summary>
public enum MessageRateLimitPolicy
{
    /// <summary>The message is dropped without calling the endpoint; the connection stays open.</summary>
    Drop,

    /// <summary>The connection is closed with 1008 Policy Violation (reason <c>PolicyViolation</c>).</summary>
    Close,
}

/// <summary>What a send does when a connection's outbox is full.</summary>
public enum OutboxFullPolicy
{
    /// <summary>Awaited sends wait for room; <c>TrySend…</c> returns false.</summary>
    Wait,

    /// <summary>The slow client is closed with 1008 Policy Violation; the send fails.</summary>
    Close,
}
