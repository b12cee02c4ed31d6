namespace Endpoints;

/// <summary>
/// The live connections of one endpoint, for sending to many at once: all of them, a group, every connection of a
/// user, one connection, or any of those but some connections. A singleton: inject it into a callback, a
/// controller or a background service. Group names and user ids are case-sensitive.
/// </summary>
/// <typeparam name="TEndpoint">The endpoint class whose connections these are; each endpoint has its own groups.</typeparam>
public interface IWebSocketClients<TEndpoint> where TEndpoint : class
{
    /// <summary>Every connection of the endpoint.</summary>
    IWebSocketTarget<TEndpoint> All { get; }

    /// <summary>Every connection of the endpoint but the ones named (for example the sender's own).</summary>
    IWebSocketTarget<TEndpoint> AllExcept(params IReadOnlyCollection<string> connectionIds);

    /// <summary>The members of a group; a group nobody joined is empty.</summary>
    IWebSocketTarget<TEndpoint> Group(string group);

    /// <summary>The members of a group but the connections named.</summary>
    IWebSocketTarget<TEndpoint> GroupExcept(string group, params IReadOnlyCollection<string> connectionIds);

    /// <summary>Every connection of one user id (every tab, every device) at the time of the send.</summary>
    IWebSocketTarget<TEndpoint> User(string userId);

    /// <summary>One connection by its <see cref="WebSocketConnection.Id"/>.</summary>
    IWebSocketTarget<TEndpoint> Connection(string connectionId);

    /// <summary>
    /// Adds a connection to a group; <see langword="false"/> if no open connection of this endpoint has that id. A
    /// connection leaves all its groups when it ends, however it ends.
    /// </summary>
    ValueTask<bool> AddToGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection from a group; <see langword="false"/> if it was not a member.</summary>
    ValueTask<bool> RemoveFromGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default);

    /// <summary>Who is connected: group members, users, counts, and a stream of changes.</summary>
    IWebSocketPresence Presence { get; }
}

/// <summary>
/// Some connections to send to. A send encodes the message once and puts it into each connection's bounded
/// outbox without waiting for anyone: a member whose outbox is full has the message dropped (counted in the
/// result and the metrics) or, under <c>OutboxFullPolicy.Close</c>, is closed with 1008. One slow client never
/// delays the others.
/// </summary>
public interface IWebSocketTarget
{
    /// <summary>Sends a text message to every connection of the target.</summary>
    ValueTask<WebSocketFanOutResult> SendTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>Sends a binary message to every connection of the target. The memory must not change afterwards.</summary>
    ValueTask<WebSocketFanOutResult> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends a message (text or binary) to every connection of the target.</summary>
    ValueTask<WebSocketFanOutResult> SendAsync(WebSocketMessage message, CancellationToken cancellationToken = default);
}

/// <summary>Connections of one endpoint, which may also be sent that endpoint's typed messages.</summary>
/// <typeparam name="TEndpoint">The endpoint class.</typeparam>
public interface IWebSocketTarget<TEndpoint> : IWebSocketTarget where TEndpoint : class
{
    /// <summary>
    /// Sends a typed message (one of <typeparamref name="TEndpoint"/>'s <c>Sends</c> types, checked at compile time),
    /// serialized once for every receiver.
    /// </summary>
    ValueTask<WebSocketFanOutResult> SendAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// What a fan-out did on this server, and only here. With a backplane, the other servers' deliveries are neither
/// waited for nor counted (counting them would make every send wait for every server): zero here does not mean
/// nobody got the message; ask <see cref="IWebSocketPresence"/> whom a target reaches across the servers.
/// </summary>
/// <param name="QueuedHere">Connections on this server whose outbox took the message.</param>
/// <param name="DroppedHere">Connections on this server whose outbox was full or closing, so the message was not queued for them.</param>
public readonly record struct WebSocketFanOutResult(int QueuedHere, int DroppedHere);

/// <summary>Who is connected to one endpoint.</summary>
public interface IWebSocketPresence
{
    /// <summary>The members of a group, in the order they joined.</summary>
    ValueTask<IReadOnlyList<WebSocketGroupMember>> GetGroupMembersAsync(string group, CancellationToken cancellationToken = default);

    /// <summary>The user ids with at least one open connection, sorted ordinally. Anonymous connections are not users.</summary>
    ValueTask<IReadOnlyList<string>> GetConnectedUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>The connections of one user.</summary>
    ValueTask<IReadOnlyList<WebSocketGroupMember>> GetUserConnectionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>How many connections are open.</summary>
    ValueTask<int> CountConnectionsAsync(CancellationToken cancellationToken = default);

    /// <summary>How many connections are in a group.</summary>
    ValueTask<int> CountGroupMembersAsync(string group, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="observer"/> for every change (a connection opened or ended, joined or left a group),
    /// after the change, on the thread that made it; keep it short and do not throw. Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Action<WebSocketPresenceChange> observer);
}

/// <summary>One connection in a group (or of a user).</summary>
/// <param name="ConnectionId">The connection's <see cref="WebSocketConnection.Id"/>.</param>
/// <param name="UserId">Its user id, or <see langword="null"/> for an anonymous connection.</param>
/// <param name="Since">When it joined the group (for a user's connections: when it opened).</param>
public sealed record WebSocketGroupMember(string ConnectionId, string? UserId, DateTimeOffset Since);

/// <summary>A change in who is connected.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="ConnectionId">The connection it happened to.</param>
/// <param name="UserId">Its user id, if any.</param>
/// <param name="Group">The group joined or left; <see langword="null"/> for opening and ending.</param>
/// <param name="At">When, by the app's clock.</param>
public sealed record WebSocketPresenceChange(WebSocketPresenceChangeKind Kind, string ConnectionId, string? UserId, string? Group, DateTimeOffset At)
{
    /// <summary>
    /// For <see cref="WebSocketPresenceChangeKind.Resumed"/>: the connection whose place <see cref="ConnectionId"/> took.
    /// </summary>
    public string? PreviousConnectionId { get; init; }

    /// <summary>
    /// For <see cref="WebSocketPresenceChangeKind.LeftGroup"/> and <see cref="WebSocketPresenceChangeKind.Disconnected"/>
    /// on a resumable endpoint: the connection's session went on on another server, where it is present. It left this
    /// server, not the app.
    /// </summary>
    public bool ResumedElsewhere { get; init; }
}

/// <summary>The kinds of <see cref="WebSocketPresenceChange"/>.</summary>
public enum WebSocketPresenceChangeKind
{
    /// <summary>A connection opened (before OnOpen runs).</summary>
    Connected,

    /// <summary>A connection ended; its group departures were reported just before.</summary>
    Disconnected,

    /// <summary>A connection joined a group.</summary>
    JoinedGroup,

    /// <summary>A connection left a group, by choice or because it ended.</summary>
    LeftGroup,

    /// <summary>
    /// On a resumable endpoint, a connection continued the session of one that ended less than the presence grace ago
    /// (<see cref="WebSocketPresenceChange.PreviousConnectionId"/>) on this server: it takes that one's place and, as it
    /// joins them again, its group memberships. No departure or arrival is reported for it; the groups it does not join
    /// again within the grace are reported left.
    /// </summary>
    Resumed,
}
