using System.Collections.Concurrent;
using Endpoints.Scaleout;
namespace Endpoints.Runtime;

/// <summary>
/// The live connections of one endpoint, its groups and its users. Membership changes take one lock for O(1) work
/// (a group is a concurrent set, not an array copied on every join); sends and presence queries read the sets without
/// the lock, so a fan-out never waits for a join, and a snapshot for the backplane never holds the lock for more than
/// one connection. A connection that has ended is in no group, whatever raced with it.
/// </summary>
internal sealed class ConnectionRegistry(string name, TimeProvider time, WebSocketEndpointMetrics metrics, IWebSocketBackplane? backplane, GroupLimits? limits = null)
{
    private readonly KeyValuePair<string, object?> _endpointTag = new("endpoint", name);
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, RegisteredConnection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<RegisteredConnection, GroupMembership>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegisteredConnection[]> _users = new(StringComparer.Ordinal);
    private Action<WebSocketPresenceChange>[] _observers = [];

    /// <summary>The endpoint's name: how other nodes address it.</summary>
    public string Name { get; } = name;

    /// <summary>How the endpoint's typed messages are encoded; null when it has none.</summary>
    public Generated.WebSocketMessageCodec? Codec { get; set; }

    /// <summary>The servers this one shares its connections with, if any.</summary>
    public IWebSocketBackplane? Backplane { get; } = backplane;

    public int Count => _connections.Count;

    public RegisteredConnection Add(IFanOutReceiver connection, string? userId)
    {
        var entry = new RegisteredConnection(connection, userId, time.GetUtcNow());
        lock (_gate)
        {
            _connections[entry.Id] = entry;
            if (userId is not null) _users[userId] = _users.TryGetValue(userId, out var others) ? [.. others, entry] : [entry];
        }
        Notify(WebSocketPresenceChangeKind.Connected, entry, null);
        return entry;
    }

    /// <summary>Takes the connection out of every group and its user, then out of the registry. Idempotent.</summary>
    public void Remove(RegisteredConnection entry)
    {
        string[] left;
        lock (_gate)
        {
            if (entry.Ended) return;
            entry.Ended = true;
            left = entry.Groups is { } groups ? [.. groups.Keys] : [];
            foreach (var group in left) RemoveMember(group, entry);
            entry.Groups = null;
            if (entry.UserId is { } userId && _users.TryGetValue(userId, out var connections))
            {
                var rest = connections.Where(c => c != entry).ToArray();
                if (rest.Length == 0) _users.Remove(userId);
                else _users[userId] = rest;
            }
            _connections.TryRemove(entry.Id, out _);
        }
        foreach (var group in left) Notify(WebSocketPresenceChangeKind.LeftGroup, entry, group);
        Notify(WebSocketPresenceChangeKind.Disconnected, entry, null);
    }

    public RegisteredConnection? Find(string connectionId) => _connections.TryGetValue(connectionId, out var entry) ? entry : null;

    /// <summary>The limits on group names and groups per connection.</summary>
    public GroupLimits Limits { get; } = limits ?? GroupLimits.Default;

    public bool Join(RegisteredConnection entry, string group)
    {
        Limits.CheckName(group);
        lock (_gate)
        {
            if (entry.Groups is { } joined && joined.Count >= Limits.MaxGroupsPerConnection && !joined.ContainsKey(group))
            {
                throw new InvalidOperationException(
                    $"The connection is in {joined.Count} groups already, the most allowed (WebSocketEndpointOptions.MaxGroupsPerConnection); leave one first.");
            }
            var since = time.GetUtcNow();
            if (entry.Ended || !(entry.Groups ??= new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal)).TryAdd(group, since)) return false;
            // Groups are created and removed only under the lock, so a join never lands in a group just removed.
            if (!_groups.TryGetValue(group, out var members)) _groups[group] = members = new ConcurrentDictionary<RegisteredConnection, GroupMembership>();
            members[entry] = new GroupMembership(since, ++_joins);
        }
        Notify(WebSocketPresenceChangeKind.JoinedGroup, entry, group);
        return true;
    }

    public bool Leave(RegisteredConnection entry, string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            if (entry.Groups?.Remove(group) != true) return false;
            RemoveMember(group, entry);
        }
        Notify(WebSocketPresenceChangeKind.LeftGroup, entry, group);
        return true;
    }

    /// <summary>The group's members and when they joined, read without the lock (a live view: it may change while read).</summary>
    public IReadOnlyDictionary<RegisteredConnection, GroupMembership> MembersOf(string group)
        => _groups.TryGetValue(group, out var members) ? members : s_noMembers;

    private static readonly IReadOnlyDictionary<RegisteredConnection, GroupMembership> s_noMembers = new Dictionary<RegisteredConnection, GroupMembership>();

    // Numbers joins (under the lock), so that members list in the order they joined.
    private long _joins;

    public RegisteredConnection[] ConnectionsOf(string userId)
    {
        lock (_gate) return _users.TryGetValue(userId, out var connections) ? connections : [];
    }

    public string[] Users()
    {
        lock (_gate) return _users.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    public IEnumerable<RegisteredConnection> All => _connections.Values;

    public IDisposable Subscribe(Action<WebSocketPresenceChange> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate) _observers = [.. _observers, observer];
        return new Subscription(this, observer);
    }

    /// <summary>
    /// Queues the message for this server's connections of the target, skipping <paramref name="except"/>, without
    /// waiting: a full or closing outbox is a drop. Counted in the metrics once per fan-out.
    /// </summary>
    public WebSocketFanOutResult Deliver(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message)
    {
        int queued = 0, dropped = 0;
        switch (target)
        {
            case BackplaneTarget.All:
                foreach (var entry in _connections.Values) Deliver(entry);
                break;
            case BackplaneTarget.Group:
                foreach (var member in MembersOf(key)) Deliver(member.Key);
                break;
            case BackplaneTarget.User:
                foreach (var entry in ConnectionsOf(key)) Deliver(entry);
                break;
            case BackplaneTarget.Connection:
                if (Find(key) is { } one) Deliver(one);
                break;
        }
        if (queued > 0) metrics.FanOutQueued.Add(queued, _endpointTag);
        if (dropped > 0) metrics.FanOutDropped.Add(dropped, _endpointTag);
        return new WebSocketFanOutResult(queued, dropped);

        void Deliver(RegisteredConnection entry)
        {
            if (except.Count > 0 && except.Contains(entry.Id)) return;
            if (entry.Connection.TryEnqueue(message)) queued++;
            else dropped++;
        }
    }

    private void RemoveMember(string group, RegisteredConnection entry)
    {
        if (!_groups.TryGetValue(group, out var members)) return;
        members.TryRemove(entry, out _);
        if (members.IsEmpty) _groups.TryRemove(group, out _);
    }

    /// <summary>
    /// Every connection with its groups and when it joined them: O(connections + memberships), taking the lock once per
    /// connection (to copy its groups), so joins and leaves go on meanwhile.
    /// </summary>
    public List<BackplaneConnection> Snapshot()
    {
        var snapshot = new List<BackplaneConnection>(_connections.Count);
        foreach (var entry in _connections.Values)
        {
            List<(string, DateTimeOffset)> groups;
            lock (_gate)
            {
                if (entry.Ended) continue;
                groups = entry.Groups is { } joined ? joined.Select(static pair => (pair.Key, pair.Value)).ToList() : [];
            }
            snapshot.Add(new BackplaneConnection(Name, entry.Id, entry.UserId, entry.Since, groups));
        }
        return snapshot;
    }

    private void Notify(WebSocketPresenceChangeKind kind, RegisteredConnection entry, string? group)
    {
        var observers = Volatile.Read(ref _observers);
        if (observers.Length == 0 && Backplane is null) return;
        var change = new WebSocketPresenceChange(kind, entry.Id, entry.UserId, group, time.GetUtcNow());
        Backplane?.OnLocalChange(Name, change);
        foreach (var observer in observers) observer(change);
    }

    private sealed class Subscription(ConnectionRegistry registry, Action<WebSocketPresenceChange> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (registry._gate) registry._observers = registry._observers.Where(o => o != observer).ToArray();
        }
    }
}

/// <summary>A connection as the registry knows it. <see cref="Groups"/> and <see cref="Ended"/> change only under the registry's lock.</summary>
internal sealed class RegisteredConnection(IFanOutReceiver connection, string? userId, DateTimeOffset since)
{
    public IFanOutReceiver Connection { get; } = connection;

    public string Id { get; } = connection.Id;

    public string? UserId { get; } = userId;

    public DateTimeOffset Since { get; } = since;

    /// <summary>Its groups and when it joined each; null until it joins one (most connections never do, and an idle one should cost little).</summary>
    public Dictionary<string, DateTimeOffset>? Groups { get; set; }

    public bool Ended { get; set; }
}

/// <summary>When a connection joined a group, and the join's place in the order of joins.</summary>
internal readonly record struct GroupMembership(DateTimeOffset Since, long Order);

/// <summary>What a fan-out needs of a connection: its id and a send that never waits.</summary>
internal interface IFanOutReceiver
{
    string Id { get; }

    /// <summary>Queues without waiting; false when the outbox is full or closed (the connection's policy applies).</summary>
    bool TryEnqueue(WebSocketMessage message);

    /// <summary>The host is stopping: let the running callback finish, then close with 1001.</summary>
    void OnHostStopping();
}
