using System.Net.WebSockets;

namespace Endpoints.Scaleout;

/// <summary>
/// Connects the servers of one app so that group, user and broadcast sends and presence span all of them. One
/// server needs none (the default); <c>Endpoints.Redis</c> implements it on Redis. The runtime calls it; user
/// code keeps using <see cref="IWebSocketClients{TEndpoint}"/> and does not change.
/// </summary>
public interface IWebSocketBackplane
{
    /// <summary>This server's id, unique among the servers sharing the backplane; it prefixes connection ids.</summary>
    string NodeId { get; }

    /// <summary>Called once, before the first connection: the backplane delivers what other nodes send through <paramref name="host"/>.</summary>
    void Start(IWebSocketBackplaneHost host);

    /// <summary>
    /// Sends a message to the other nodes' connections of the target (this node's were served already). Never waits:
    /// a backplane that cannot send now buffers (bounded) or drops and counts.
    /// </summary>
    void Publish(BackplaneMessage message);

    /// <summary>A change on this node (a connection opened or ended, joined or left a group), for interest and presence.</summary>
    void OnLocalChange(string endpoint, WebSocketPresenceChange change);

    /// <summary>
    /// Completes when this node's changes so far are in effect: it receives what other nodes send to its new groups
    /// and users. The runtime awaits it before OnOpen and after a join, so a message sent right after is not missed.
    /// Must not wait long when the backplane is unreachable (a join then still works locally).
    /// </summary>
    ValueTask WhenAppliedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Adds a connection of another node to a group (or removes it): routed to the node that holds it and
    /// acknowledged. False when no node holds the connection (or it was already a member / not a member).
    /// </summary>
    ValueTask<bool> ChangeRemoteGroupAsync(string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken);

    /// <summary>The other nodes' members of a group.</summary>
    ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken);

    /// <summary>The other nodes' connections (with their user ids).</summary>
    ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken);

    /// <summary>How many connections the other nodes hold; a backplane that keeps counts answers without listing them.</summary>
    async ValueTask<int> CountRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
        => (await GetRemoteConnectionsAsync(endpoint, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>How many members the group has on the other nodes; a backplane that keeps counts answers without listing them.</summary>
    async ValueTask<int> CountRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
        => (await GetRemoteGroupMembersAsync(endpoint, group, cancellationToken).ConfigureAwait(false)).Count;
}

/// <summary>What a backplane may ask of this node: deliver, change a group, and tell what is here (to rebuild presence).</summary>
public interface IWebSocketBackplaneHost
{
    /// <summary>Delivers a message from another node to this node's connections of its target.</summary>
    WebSocketFanOutResult Deliver(BackplaneMessage message);

    /// <summary>
    /// Delivers a message of a resumable stream, numbered by an <see cref="IWebSocketStreamBackplane"/> (from any server,
    /// this one included), to this node's connections of its target, with its position.
    /// </summary>
    WebSocketFanOutResult DeliverNumbered(BackplaneMessage message, string stream, string epoch, long offset);

    /// <summary>Joins or leaves a group for a connection of this node; false if it is not here (or nothing changed).</summary>
    bool ChangeGroup(string endpoint, string connectionId, string group, bool join);

    /// <summary>Every connection of this node, with its groups, for rebuilding presence after the backplane lost it.</summary>
    IReadOnlyList<BackplaneConnection> Snapshot();

    /// <summary>
    /// A resumable session continued on another node: its connection that ended here and is still present within the
    /// presence grace is gone from this node's presence now, so the session counts once across the nodes.
    /// </summary>
    void SessionResumedElsewhere(string endpoint, string sessionId);
}

/// <summary>Whom a <see cref="BackplaneMessage"/> is for.</summary>
public enum BackplaneTarget
{
    /// <summary>Every connection of the endpoint.</summary>
    All,

    /// <summary>The members of the group named by <see cref="BackplaneMessage.Key"/>.</summary>
    Group,

    /// <summary>The connections of the user named by <see cref="BackplaneMessage.Key"/>.</summary>
    User,

    /// <summary>The connection whose id is <see cref="BackplaneMessage.Key"/>.</summary>
    Connection,
}

/// <summary>A message for connections on other nodes, encoded once.</summary>
/// <param name="Endpoint">The endpoint's name (its class's full name).</param>
/// <param name="Target">All, a group, a user or a connection.</param>
/// <param name="Key">The group name, user id or connection id; empty for all.</param>
/// <param name="Except">Connection ids to leave out.</param>
/// <param name="MessageType">Text (UTF-8 payload) or binary.</param>
/// <param name="Payload">The message's bytes.</param>
public sealed record BackplaneMessage(string Endpoint, BackplaneTarget Target, string Key, IReadOnlyCollection<string> Except,
    WebSocketMessageType MessageType, ReadOnlyMemory<byte> Payload);

/// <summary>One connection of this node, as presence records it.</summary>
public sealed record BackplaneConnection(string Endpoint, string ConnectionId, string? UserId, DateTimeOffset Since,
    IReadOnlyList<(string Group, DateTimeOffset Since)> Groups);

/// <summary>
/// A backplane that also keeps the streams of <see cref="WebSocketDelivery.Resumable"/> endpoints (docs/protocol.md), so
/// that a client resumes on any server: it numbers each message of a group, a user or all in its stream once for every
/// server, keeps a bounded history, and shares sessions and the key that signs them. <c>Endpoints.Redis</c> implements
/// it on Redis Streams. Without one, each server keeps its own history.
/// </summary>
public interface IWebSocketStreamBackplane
{
    /// <summary>
    /// Numbers the message in <paramref name="stream"/>, keeps it, and hands it to every server with receivers for its
    /// target, this one included, through <see cref="IWebSocketBackplaneHost.DeliverNumbered"/>, in the order of the
    /// offsets. Never waits: while the backplane is away it buffers (bounded) or drops and counts, as
    /// <see cref="IWebSocketBackplane.Publish"/> does.
    /// </summary>
    void PublishNumbered(BackplaneMessage message, string stream, WebSocketHistoryLimits limits);

    /// <summary>Keeps a message this server numbered itself (a session's own stream, which one server writes at a time).</summary>
    void Keep(string endpoint, string stream, string epoch, long offset, WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, WebSocketHistoryLimits limits);

    /// <summary>
    /// The stream's epoch and last offset, and what it keeps after <paramref name="after"/> (oldest first; none older
    /// than the limits' age). <see cref="long.MaxValue"/> asks for the position only. A stream it does not know has a new
    /// epoch and offset 0.
    /// </summary>
    ValueTask<BackplaneStreamSnapshot> ReadAsync(string endpoint, string stream, long after, WebSocketHistoryLimits limits, CancellationToken cancellationToken);

    /// <summary>The key session tokens are signed with: the same on every server.</summary>
    ValueTask<byte[]> GetSessionKeyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A connection opens (or resumes) a session: what the servers know of it (the highest client message number handled,
    /// whether another server holds it within its presence grace), or null when no server knows it (it is kept from now on).
    /// </summary>
    ValueTask<BackplaneSession?> OpenSessionAsync(string endpoint, string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// The presence grace of a session's last connection on this server ended without the session coming back: a server
    /// it comes back to later reports it as a new arrival, not as a continuation.
    /// </summary>
    void SessionLeft(string endpoint, string sessionId);

    /// <summary>Records the highest client message number handled in a session, in order with this server's other writes.</summary>
    void RecordHandled(string endpoint, string sessionId, long number);

    /// <summary>A connection of the session ended on this server: the session is kept for <paramref name="keep"/> from now.</summary>
    void CloseSession(string endpoint, string sessionId, TimeSpan keep);
}

/// <summary>A session as the servers know it.</summary>
/// <param name="Handled">The highest client message number handled in it so far.</param>
/// <param name="HeldElsewhere">Another server held its last connection and has not reported it gone (its presence grace runs, or it died).</param>
public readonly record struct BackplaneSession(long Handled, bool HeldElsewhere);

/// <summary>How much a stream keeps: the latest <paramref name="MaxMessages"/>, none older than <paramref name="MaxAge"/>.</summary>
public readonly record struct WebSocketHistoryLimits(int MaxMessages, TimeSpan MaxAge);

/// <summary>A stream as a backplane keeps it: its epoch, its last offset, and kept messages (oldest first).</summary>
public sealed record BackplaneStreamSnapshot(string Epoch, long LastOffset, IReadOnlyList<BackplaneStreamEntry> Entries);

/// <summary>A kept message: its offset, its kind and bytes, and the connections it was not for.</summary>
public sealed record BackplaneStreamEntry(long Offset, WebSocketMessageType MessageType, ReadOnlyMemory<byte> Payload, IReadOnlyCollection<string> Except);
