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

    /// <summary>Joins or leaves a group for a connection of this node; false if it is not here (or nothing changed).</summary>
    bool ChangeGroup(string endpoint, string connectionId, string group, bool join);

    /// <summary>Every connection of this node, with its groups, for rebuilding presence after the backplane lost it.</summary>
    IReadOnlyList<BackplaneConnection> Snapshot();
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
