using System.Collections.Concurrent;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Scaleout;
namespace Endpoints.Runtime.Fanout;

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
    private readonly ConcurrentDictionary<string, GroupMembers> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegisteredConnection[]> _users = new(StringComparer.Ordinal);
    private Action<WebSocketPresenceChange>[] _observers = [];
    // Resumable sessions whose connection ended within the presence grace, by session id: still present, not reachable.
    private readonly Dictionary<string, AwayMember> _away = new(StringComparer.Ordinal);
    // The open connection of each resumable session here, by session id (under the lock).
    private readonly Dictionary<string, RegisteredConnection> _sessions = new(StringComparer.Ordinal);
    // Numbers joins (under the lock), so that members list in the order they joined.
    private long _joins;

    /// <summary>The endpoint's name: how other nodes address it.</summary>
    public string Name { get; } = name;

    /// <summary>How the endpoint's typed messages are encoded; null when it has none.</summary>
    public ITypedMessageEncoder? Codec { get; set; }

    /// <summary>The numbered, kept streams of a resumable endpoint (null for one that is not).</summary>
    public ResumableStreams? Streams { get; set; }

    /// <summary>The servers this one shares its connections with, if any.</summary>
    public IWebSocketBackplane? Backplane { get; } = backplane;

    public int Count => _connections.Count;

    /// <summary>
    /// Completes when the other servers (if any) have taken this server's latest registrations and group changes, so that
    /// what they send to them reaches this server.
    /// </summary>
    public ValueTask WhenBackplaneAppliedAsync(CancellationToken cancellationToken) => Backplane?.WhenAppliedAsync(cancellationToken) ?? default;

    /// <summary>Registers a live connection; <paramref name="hostStopping"/> is told when the host stops.</summary>
    /// <remarks>
    /// With <paramref name="announceLater"/> (a client that will say which session it continues) its opening is reported
    /// by <see cref="Announce"/>: as a new connection, or as the continuation of one that went away within the grace.
    /// </remarks>
    public RegisteredConnection Add(IFanOutReceiver connection, string? userId, IHostStoppingListener hostStopping, bool announceLater = false)
    {
        var entry = new RegisteredConnection(connection, userId, time.GetUtcNow(), hostStopping);
        WebSocketPresenceChange? change = null;
        lock (_gate)
        {
            _connections[entry.Id] = entry;
            if (userId is not null) _users[userId] = _users.TryGetValue(userId, out var others) ? [.. others, entry] : [entry];
            // The backplane lists it (and subscribes for it) now, whatever the observers are told later.
            entry.Announced = !announceLater;
            change = Record(WebSocketPresenceChangeKind.Connected, entry, null, tellObservers: !announceLater);
        }
        Report(change);
        return entry;
    }

    /// <summary>
    /// Reports the opening of a connection added with <c>announceLater</c>. It continues its session's member, reported
    /// as <see cref="WebSocketPresenceChangeKind.Resumed"/> (no leave, no join), when that session's previous connection
    /// is away here within the grace (this one takes its memberships as it joins those groups again), is still open here
    /// (a socket not yet noticed gone: this one takes its place), or was held by another server
    /// (<paramref name="heldElsewhere"/>); else it is <see cref="WebSocketPresenceChangeKind.Connected"/>.
    /// </summary>
    public void Announce(RegisteredConnection entry, string session, bool resumed, bool heldElsewhere = false)
    {
        WebSocketPresenceChange? change = null;
        lock (_gate)
        {
            if (entry.Ended || entry.Announced) return;
            entry.Announced = true;
            entry.Session = session;
            var older = _sessions.TryGetValue(session, out var open) && open != entry && !open.Ended && open.UserId == entry.UserId ? open : null;
            _sessions[session] = entry;
            if (resumed && _away.TryGetValue(session, out var away) && away.ResumedBy is null && away.Entry.UserId == entry.UserId)
            {
                away.ResumedBy = entry;
                // The backplane lists connections by id (this one since it opened): the old one goes, its memberships move here.
                GoneFromBackplane(away.Entry, away.Groups.Keys);
                foreach (var (group, membership) in away.Groups)
                {
                    Backplane?.OnLocalChange(Name, Change(WebSocketPresenceChangeKind.JoinedGroup, entry, group) with { At = membership.Since });
                }
                change = Resumed(entry, away.Entry.Id);
            }
            else if (resumed && older is not null)
            {
                older.SupersededBy = entry;
                entry.Predecessor = older;
                change = Resumed(entry, older.Id);
            }
            else
            {
                change = resumed && heldElsewhere ? Resumed(entry, previous: null) : ForObservers(WebSocketPresenceChangeKind.Connected, entry);
            }
        }
        Report(change);
    }

    private WebSocketPresenceChange? Resumed(RegisteredConnection entry, string? previous)
        => ForObservers(WebSocketPresenceChangeKind.Resumed, entry) is { } change ? change with { PreviousConnectionId = previous } : null;

    /// <summary>
    /// Takes the connection out of every group and its user, then out of the registry. Idempotent. With a
    /// <paramref name="grace"/> (a connection of a resumable session) it stays present, unreachable, for that long: a
    /// connection of its session that comes back within it takes its place without a leave and a join being reported.
    /// </summary>
    public void Remove(RegisteredConnection entry, TimeSpan grace = default)
    {
        // Only when someone listens: a disconnect allocates nothing more otherwise.
        List<WebSocketPresenceChange>? changes = null;
        string? leftSession = null;
        lock (_gate)
        {
            if (entry.Ended) return;
            entry.Ended = true;
            entry.Predecessor = null; // no chain of every connection a long session had
            var left = entry.Groups is { } groups ? groups.Keys.ToArray() : [];
            if (entry.Session is { } ownSession && _sessions.TryGetValue(ownSession, out var current) && current == entry) _sessions.Remove(ownSession);
            // A connection of its session took its place already: the observers know that one instead, and it needs no grace.
            var successor = entry.SupersededBy is { Ended: false } taken ? taken : null;
            var away = grace > TimeSpan.Zero && entry.Announced && !entry.ResumedElsewhere && successor is null && entry.Session is { } session
                ? new AwayMember(entry, session, this)
                : null;
            foreach (var group in left)
            {
                if (away is not null && _groups.TryGetValue(group, out var members) && members.TryGet(entry, out var membership)) away.Groups[group] = membership;
                RemoveMember(group, entry);
            }
            entry.Groups = null;
            if (entry.UserId is { } userId && _users.TryGetValue(userId, out var connections))
            {
                var rest = connections.Where(c => c != entry).ToArray();
                if (rest.Length == 0) _users.Remove(userId);
                else _users[userId] = rest;
            }
            _connections.TryRemove(entry.Id, out _);
            // Memberships it took over from an earlier connection and has not joined again: still the session's while it
            // may come back, else they end with it.
            if (entry.Session is { } own && _away.TryGetValue(own, out var previous) && previous.ResumedBy == entry)
            {
                if (away is null)
                {
                    End(previous, ref changes, entry.ResumedElsewhere);
                }
                else
                {
                    foreach (var (group, membership) in previous.Groups) away.Groups.TryAdd(group, membership);
                    previous.Groups.Clear();
                    _away.Remove(own);
                    previous.Timer?.Dispose();
                }
            }
            if (away is not null)
            {
                if (_away.Remove(away.Session, out var older)) End(older, ref changes);
                _away[away.Session] = away;
                away.Timer = time.CreateTimer(static state => ((AwayMember)state!).Registry.GraceOver((AwayMember)state), away, grace, Timeout.InfiniteTimeSpan);
            }
            else if (successor is not null)
            {
                // The backplane lists connections by id: this one goes. The observers hear only of the groups its successor is not in.
                GoneFromBackplane(entry, left);
                foreach (var group in left)
                {
                    if (successor.Groups?.ContainsKey(group) != true) Gone(ForObservers(WebSocketPresenceChangeKind.LeftGroup, successor, group), false, ref changes);
                }
            }
            else
            {
                // One whose opening the observers were never told of goes without a word to them (the backplane hears it).
                foreach (var group in left) Gone(Record(WebSocketPresenceChangeKind.LeftGroup, entry, group, entry.Announced), entry.ResumedElsewhere, ref changes);
                Gone(Record(WebSocketPresenceChangeKind.Disconnected, entry, null, entry.Announced), entry.ResumedElsewhere, ref changes);
                if (entry.Announced && !entry.ResumedElsewhere) leftSession = entry.Session;
            }
        }
        if (leftSession is not null) SessionLeft(leftSession);
        ReportAll(changes);
    }

    /// <summary>Its session went on on another server: a connection of it away here is gone from this server's presence.</summary>
    public void SessionResumedElsewhere(string session)
    {
        List<WebSocketPresenceChange>? changes = null;
        lock (_gate)
        {
            // Not noticed gone here yet: when it is, it has no grace.
            if (_sessions.TryGetValue(session, out var open)) open.ResumedElsewhere = true;
            if (!_away.TryGetValue(session, out var away) || away.ResumedBy is not null) return;
            End(away, ref changes, resumedElsewhere: true);
        }
        // On a thread of the backplane's: an observer's throw must not end its loop.
        ReportAll(changes, catchThrows: true);
    }

    private void GraceOver(AwayMember away)
    {
        List<WebSocketPresenceChange>? changes = null;
        bool gone;
        lock (_gate)
        {
            if (!_away.TryGetValue(away.Session, out var current) || current != away) return;
            gone = away.ResumedBy is null;
            End(away, ref changes);
        }
        if (gone) SessionLeft(away.Session);
        // On a timer's thread: an observer's throw would end the process.
        ReportAll(changes, catchThrows: true);
    }

    /// <summary>
    /// The end of an away connection's stay (under the lock): what its successor did not take over is left, and if none
    /// came, it is gone.
    /// </summary>
    private void End(AwayMember away, ref List<WebSocketPresenceChange>? changes, bool resumedElsewhere = false)
    {
        _away.Remove(away.Session);
        away.Timer?.Dispose();
        var holder = away.ResumedBy ?? away.Entry;
        foreach (var group in away.Groups.Keys) Gone(Record(WebSocketPresenceChangeKind.LeftGroup, holder, group), resumedElsewhere, ref changes);
        away.Groups.Clear();
        if (away.ResumedBy is null) Gone(Record(WebSocketPresenceChangeKind.Disconnected, away.Entry, null), resumedElsewhere, ref changes);
    }

    /// <summary>
    /// The session was reported gone from this server (no grace, or its grace over): a server it comes back to later
    /// reports an arrival, not a continuation.
    /// </summary>
    private void SessionLeft(string session) => (Backplane as IWebSocketStreamBackplane)?.SessionLeft(Name, session);

    /// <summary>A connection the observers no longer know by its id leaves the backplane's lists (under the lock).</summary>
    private void GoneFromBackplane(RegisteredConnection entry, IEnumerable<string> groups)
    {
        foreach (var group in groups) Record(WebSocketPresenceChangeKind.LeftGroup, entry, group, tellObservers: false);
        Record(WebSocketPresenceChangeKind.Disconnected, entry, null, tellObservers: false);
    }

    private static void Gone(WebSocketPresenceChange? change, bool resumedElsewhere, ref List<WebSocketPresenceChange>? changes)
    {
        if (change is not null) (changes ??= []).Add(resumedElsewhere ? change with { ResumedElsewhere = true } : change);
    }

    private void ReportAll(List<WebSocketPresenceChange>? changes, bool catchThrows = false)
    {
        if (changes is null) return;
        foreach (var change in changes) Report(change, catchThrows);
    }

    /// <summary>The groups a connection is in now.</summary>
    public string[] GroupsOf(RegisteredConnection entry)
    {
        lock (_gate) return entry.Groups is { } joined ? [.. joined.Keys] : [];
    }

    public RegisteredConnection? Find(string connectionId) => _connections.TryGetValue(connectionId, out var entry) ? entry : null;

    /// <summary>The limits on group names and groups per connection.</summary>
    public GroupLimits Limits { get; } = limits ?? GroupLimits.Default;

    public bool Join(RegisteredConnection entry, string group)
    {
        Limits.CheckName(group);
        WebSocketPresenceChange? change;
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
            if (!_groups.TryGetValue(group, out var members)) _groups[group] = members = new GroupMembers();
            if (TakeOver(entry, group) is { } kept)
            {
                // Back in a group its session's previous connection was in: the same membership, nothing to report.
                entry.Groups[group] = kept.Since;
                members.Add(entry, kept);
                change = null;
            }
            else
            {
                members.Add(entry, new GroupMembership(since, ++_joins));
                change = Record(WebSocketPresenceChangeKind.JoinedGroup, entry, group);
            }
        }
        Report(change);
        return true;
    }

    /// <summary>
    /// Joins a group, and on a resumable endpoint replays what the client missed of it first (under the stream's lock).
    /// What every join from outside the registry goes through.
    /// </summary>
    public bool JoinGroup(RegisteredConnection entry, string group)
    {
        if (Streams is not { } streams) return Join(entry, group);
        var changed = streams.Join(entry, group, CancellationToken.None, out var replayed);
        if (replayed.IsCompletedSuccessfully)
        {
            if (!replayed.Result) entry.Connection.ReplayIncomplete();
        }
        else
        {
            _ = CompleteReplayAsync(entry, replayed);
        }
        return changed;
    }

    /// <summary>As <see cref="JoinGroup"/>, done when the replay of the group's stream (if any) has been queued.</summary>
    public async ValueTask<bool> JoinGroupAsync(RegisteredConnection entry, string group, CancellationToken cancellationToken)
    {
        if (Streams is not { } streams) return Join(entry, group);
        var changed = streams.Join(entry, group, cancellationToken, out var replayed);
        if (!await replayed.ConfigureAwait(false)) entry.Connection.ReplayIncomplete();
        return changed;
    }

    private static async Task CompleteReplayAsync(RegisteredConnection entry, ValueTask<bool> replayed)
    {
        try
        {
            if (!await replayed.ConfigureAwait(false)) entry.Connection.ReplayIncomplete();
        }
        catch (Exception)
        {
            // The connection ended meanwhile: nothing to replay to.
            entry.Connection.ReplayIncomplete();
        }
    }

    public bool Leave(RegisteredConnection entry, string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        WebSocketPresenceChange? change;
        lock (_gate)
        {
            if (entry.Groups?.Remove(group) == true) RemoveMember(group, entry);
            // Else a group it took over but has not joined again: leaving it is leaving the membership it holds.
            else if (TakeOver(entry, group) is null) return false;
            change = Record(WebSocketPresenceChangeKind.LeftGroup, entry, group);
        }
        Report(change);
        return true;
    }

    /// <summary>The group's members, for a fan-out: an array shared by the sends until the group changes.</summary>
    public RegisteredConnection[] MembersOf(string group)
        => _groups.TryGetValue(group, out var members) ? members.View() : [];

    /// <summary>
    /// The group's members with when and in which order they joined, for presence queries: with those away within the
    /// grace (under the id of the connection that took their place, if one did).
    /// </summary>
    public KeyValuePair<RegisteredConnection, GroupMembership>[] MembershipsOf(string group)
    {
        var here = _groups.TryGetValue(group, out var members) ? members.Memberships() : [];
        lock (_gate)
        {
            if (_away.Count == 0) return here;
            var away = _away.Values.Where(a => a.Groups.ContainsKey(group)).Select(a => KeyValuePair.Create(a.ResumedBy ?? a.Entry, a.Groups[group]));
            return [.. here, .. away];
        }
    }

    /// <summary>How many members the group has (for fan-outs: the reachable ones).</summary>
    public int CountMembers(string group) => _groups.TryGetValue(group, out var members) ? members.Count : 0;

    /// <summary>How many members the group has for presence: with those away within the grace.</summary>
    public int CountPresentMembers(string group)
    {
        var here = CountMembers(group);
        lock (_gate) return _away.Count == 0 ? here : here + _away.Values.Count(a => a.Groups.ContainsKey(group));
    }

    /// <summary>How many connections are present: open ones, and those away within the grace that none took the place of.</summary>
    public int CountPresent()
    {
        lock (_gate) return _connections.Count + _away.Values.Count(static a => a.ResumedBy is null);
    }

    /// <summary>A user's connections for presence: open ones, and those away within the grace that none took the place of.</summary>
    public RegisteredConnection[] PresentConnectionsOf(string userId)
    {
        lock (_gate)
        {
            var open = _users.TryGetValue(userId, out var connections) ? connections : [];
            return _away.Count == 0 ? open : [.. open, .. _away.Values.Where(a => a.ResumedBy is null && a.Entry.UserId == userId).Select(static a => a.Entry)];
        }
    }

    /// <summary>
    /// The membership a connection takes over from its session's previous connection, if that one was in the group: away
    /// (its membership moves here), or still open, not yet noticed gone (both are members until it is). Under the lock.
    /// </summary>
    private GroupMembership? TakeOver(RegisteredConnection entry, string group)
    {
        if (entry.Predecessor is { Ended: false } open && open.Groups?.ContainsKey(group) == true && _groups.TryGetValue(group, out var members)
            && members.TryGet(open, out var held))
        {
            return held;
        }
        if (entry.Session is not { } session || !_away.TryGetValue(session, out var away) || away.ResumedBy != entry) return null;
        return away.Groups.Remove(group, out var membership) ? membership : null;
    }

    public RegisteredConnection[] ConnectionsOf(string userId)
    {
        lock (_gate) return _users.TryGetValue(userId, out var connections) ? connections : [];
    }

    /// <summary>The users present: with an open connection, or one away within the grace.</summary>
    public string[] Users()
    {
        lock (_gate)
        {
            var users = _away.Count == 0 ? _users.Keys : _users.Keys.Concat(_away.Values.Select(static a => a.Entry.UserId).OfType<string>()).Distinct();
            return users.Order(StringComparer.Ordinal).ToArray();
        }
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
    /// <remarks>
    /// With <paramref name="header"/> (a resumable stream's position; the caller holds the stream's lock) a client that
    /// speaks endpoints.v1 gets it, and one whose replay of the stream is not done yet gets the message from the replay.
    /// </remarks>
    public WebSocketFanOutResult Deliver(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message, byte[]? header = null,
        string? stream = null, string? epoch = null, long offset = 0)
    {
        int queued = 0, dropped = 0;
        switch (target)
        {
            case BackplaneTarget.All:
                foreach (var entry in _connections.Values) Deliver(entry);
                break;
            case BackplaneTarget.Group:
                foreach (var member in MembersOf(key)) Deliver(member);
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
            bool taken;
            if (header is null)
            {
                taken = entry.Connection.TryEnqueue(message);
            }
            else
            {
                var audience = target == BackplaneTarget.Group ? StreamAudience.GroupMembers : StreamAudience.Own;
                taken = entry.Connection.TryEnqueueNumbered(message, header, audience, stream!, epoch!, offset);
            }
            if (taken) queued++;
            else dropped++;
        }
    }

    private void RemoveMember(string group, RegisteredConnection entry)
    {
        if (!_groups.TryGetValue(group, out var members)) return;
        if (members.Remove(entry)) _groups.TryRemove(group, out _);
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
        // Those away within the grace: copied under the lock (O(away)), merged outside it (C5: the lock is never held for
        // a pass over every connection).
        List<(RegisteredConnection Entry, string? ResumedById, List<(string, DateTimeOffset)> Groups)> away;
        lock (_gate)
        {
            if (_away.Count == 0) return snapshot;
            away = [.. _away.Values.Select(static a => (a.Entry, a.ResumedBy?.Id, a.Groups.Select(static pair => (pair.Key, pair.Value.Since)).ToList()))];
        }
        var at = new Dictionary<string, int>(snapshot.Count, StringComparer.Ordinal);
        for (var i = 0; i < snapshot.Count; i++) at[snapshot[i].ConnectionId] = i;
        foreach (var (entry, resumedById, groups) in away)
        {
            if (resumedById is null) snapshot.Add(new BackplaneConnection(Name, entry.Id, entry.UserId, entry.Since, groups));
            else if (at.TryGetValue(resumedById, out var index)) snapshot[index] = snapshot[index] with { Groups = [.. snapshot[index].Groups, .. groups] };
        }
        return snapshot;
    }

    /// <summary>
    /// Called under the lock: the backplane hears the changes in the order they were made (a join and a leave that race
    /// must not reach Redis the other way round). It only records them; nothing waits there.
    /// </summary>
    private WebSocketPresenceChange? Record(WebSocketPresenceChangeKind kind, RegisteredConnection entry, string? group, bool tellObservers = true)
    {
        if (Volatile.Read(ref _observers).Length == 0 && Backplane is null) return null;
        var change = Change(kind, entry, group);
        Backplane?.OnLocalChange(Name, change);
        return tellObservers ? change : null;
    }

    /// <summary>A change only the app's observers hear of (the backplane knew it already, or never needs to).</summary>
    private WebSocketPresenceChange? ForObservers(WebSocketPresenceChangeKind kind, RegisteredConnection entry, string? group = null)
        => Volatile.Read(ref _observers).Length > 0 ? Change(kind, entry, group) : null;

    private WebSocketPresenceChange Change(WebSocketPresenceChangeKind kind, RegisteredConnection entry, string? group)
        => new(kind, entry.Id, entry.UserId, group, time.GetUtcNow());

    /// <summary>
    /// Tells the app's observers, outside the lock (their code may take its time). With <paramref name="catchThrows"/>
    /// (on a timer's or the backplane's thread, where a throw would end the process or its loop) an observer that throws,
    /// which observers are told not to, costs the others nothing.
    /// </summary>
    private void Report(WebSocketPresenceChange? change, bool catchThrows = false)
    {
        if (change is null) return;
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer(change);
            }
            catch (Exception) when (catchThrows)
            {
            }
        }
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
internal sealed class RegisteredConnection(IFanOutReceiver connection, string? userId, DateTimeOffset since, IHostStoppingListener hostStopping)
{
    public IFanOutReceiver Connection { get; } = connection;

    /// <summary>What runs the connection, told when the host stops.</summary>
    public IHostStoppingListener HostStopping { get; } = hostStopping;

    public string Id { get; } = connection.Id;

    public string? UserId { get; } = userId;

    public DateTimeOffset Since { get; } = since;

    /// <summary>Its groups and when it joined each; null until it joins one (most connections never do, and an idle one should cost little).</summary>
    public Dictionary<string, DateTimeOffset>? Groups { get; set; }

    public bool Ended { get; set; }

    /// <summary>Whether its opening was reported (a resumable client's waits for its hello).</summary>
    public bool Announced { get; set; }

    /// <summary>Its resumable session, once its hello named one.</summary>
    public string? Session { get; set; }

    /// <summary>Its session went on on another server: when it ends here, it is gone at once.</summary>
    public bool ResumedElsewhere { get; set; }

    /// <summary>A connection of its session that took its place before this one was noticed gone.</summary>
    public RegisteredConnection? SupersededBy { get; set; }

    /// <summary>The connection of its session whose place it took while that one was still open.</summary>
    public RegisteredConnection? Predecessor { get; set; }
}

/// <summary>
/// A resumable session's connection that ended within the presence grace: present (in its groups, as its user) but not
/// reachable, until the grace is over or the connection that resumes its session has taken its place.
/// </summary>
internal sealed class AwayMember(RegisteredConnection entry, string session, ConnectionRegistry registry)
{
    public RegisteredConnection Entry { get; } = entry;

    public string Session { get; } = session;

    /// <summary>Its group memberships not yet taken over.</summary>
    public Dictionary<string, GroupMembership> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>The connection that resumed its session here, if one did.</summary>
    public RegisteredConnection? ResumedBy { get; set; }

    public ITimer? Timer { get; set; }

    public ConnectionRegistry Registry { get; } = registry;
}

/// <summary>
/// A group's members: a concurrent set (a join or leave is O(1)), and an array of them for fan-outs, rebuilt by the
/// first reader after a change (O(members), without a lock) and shared by the reads until the next change. A send
/// after a join returned always sees the new member: the change is counted before the join returns, and a view made
/// at an older count is never used.
/// </summary>
internal sealed class GroupMembers
{
    private readonly ConcurrentDictionary<RegisteredConnection, GroupMembership> _set = new();
    private int _version;
    private MembersView? _view;

    public void Add(RegisteredConnection entry, GroupMembership membership)
    {
        _set[entry] = membership;
        Interlocked.Increment(ref _version);
    }

    /// <summary>Removes the member; true when the group is now empty.</summary>
    public bool Remove(RegisteredConnection entry)
    {
        _set.TryRemove(entry, out _);
        Interlocked.Increment(ref _version);
        return _set.IsEmpty;
    }

    public int Count => _set.Count;

    public bool TryGet(RegisteredConnection entry, out GroupMembership membership) => _set.TryGetValue(entry, out membership);

    public RegisteredConnection[] View()
    {
        var version = Volatile.Read(ref _version);
        if (Volatile.Read(ref _view) is { } view && view.Version == version) return view.Members;
        var members = new RegisteredConnection[_set.Count];
        var count = 0;
        foreach (var (member, _) in _set)
        {
            // The set may grow while it is read: a member added meanwhile is in the next view.
            if (count == members.Length) Array.Resize(ref members, members.Length * 2 + 1);
            members[count++] = member;
        }
        if (count != members.Length) Array.Resize(ref members, count);
        Volatile.Write(ref _view, new MembersView(version, members));
        return members;
    }

    public KeyValuePair<RegisteredConnection, GroupMembership>[] Memberships() => [.. _set];

    private sealed record MembersView(int Version, RegisteredConnection[] Members);
}

/// <summary>When a connection joined a group, and the join's place in the order of joins.</summary>
internal readonly record struct GroupMembership(DateTimeOffset Since, long Order);

/// <summary>What a fan-out needs of a connection: its id and a send that never waits.</summary>
internal interface IFanOutReceiver
{
    string Id { get; }

    /// <summary>Queues without waiting; false when the outbox is full or closed (the connection's policy applies).</summary>
    bool TryEnqueue(WebSocketMessage message);

    /// <summary>
    /// Queues a message of a resumable stream or a control message: with <paramref name="header"/> (an endpoints.v1
    /// header with its line feed) to a client that speaks endpoints.v1; a control message is not sent to one that does not.
    /// </summary>
    bool TryEnqueue(WebSocketMessage message, byte[] header);

    /// <summary>Its part in a resumable endpoint's streams; null for a plain client or an endpoint that is not resumable.</summary>
    StreamSubscriber? Subscriber { get; }

    /// <summary>Queues a control message (endpoints.v1 only: a plain client gets nothing, and that is a success).</summary>
    bool TryEnqueueControl(WebSocketMessage message, byte[] header);

    /// <summary>
    /// Offers a live message of a resumable stream: sent with its header, held while the stream's replay is read,
    /// skipped when it came in the replay (or before the subscription), plain to a plain client.
    /// </summary>
    bool TryEnqueueNumbered(WebSocketMessage message, byte[] header, StreamAudience audience, string stream, string epoch, long offset);

    /// <summary>A replay did not fit in its outbox: the client must come back and resume from what it got.</summary>
    void ReplayIncomplete();
}

/// <summary>What runs a registered connection, told when the host stops.</summary>
internal interface IHostStoppingListener
{
    /// <summary>The host is stopping: let the running callback finish, then close with 1001.</summary>
    void OnHostStopping();
}

/// <summary>An endpoint's typed messages into frames (the generated codec is one).</summary>
internal interface ITypedMessageEncoder
{
    /// <summary>Encodes or says which type the endpoint does not declare.</summary>
    WebSocketMessage Encode<TMessage>(TMessage message);

    /// <summary>Encodes; false when the endpoint does not send this type.</summary>
    bool TryEncode<TMessage>(TMessage message, out WebSocketMessage encoded);

    /// <summary>How the endpoint's JSON context reads and writes <typeparamref name="T"/>; null when it does not cover it.</summary>
    System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>? TypeInfo<T>();
}
