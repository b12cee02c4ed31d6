using System.Collections.Concurrent;
using Endpoints.Runtime;
using Microsoft.Extensions.Time.Testing;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;

namespace Endpoints.Runtime.Tests;

public sealed class ConnectionRegistryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ConnectionRegistry _registry;
    private readonly WebSocketClients<ConnectionRegistryTests> _clients;

    public ConnectionRegistryTests()
    {
        var registries = new ConnectionRegistries(_clock, WebSocketEndpointMetrics.Shared);
        _registry = registries.For(typeof(ConnectionRegistryTests), "tests");
        _clients = new WebSocketClients<ConnectionRegistryTests>(registries);
    }

    [Fact]
    public async Task EachTargetReachesExactlyItsConnections()
    {
        var ann1 = Connect("a1", "ann");
        var ann2 = Connect("a2", "ann");
        var ben = Connect("b1", "ben");
        var guest = Connect("g1", null);
        _registry.Join(ann1.Entry, "lobby");
        _registry.Join(ben.Entry, "lobby");
        _registry.Join(guest.Entry, "kitchen");

        Assert.Equal(new WebSocketFanOutResult(4, 0), await _clients.All.SendTextAsync("all"));
        Assert.Equal(new WebSocketFanOutResult(3, 0), await _clients.AllExcept("a2").SendTextAsync("all but a2"));
        Assert.Equal(new WebSocketFanOutResult(2, 0), await _clients.Group("lobby").SendTextAsync("lobby"));
        Assert.Equal(new WebSocketFanOutResult(1, 0), await _clients.GroupExcept("lobby", "a1").SendTextAsync("lobby but a1"));
        Assert.Equal(new WebSocketFanOutResult(2, 0), await _clients.User("ann").SendTextAsync("ann"));
        Assert.Equal(new WebSocketFanOutResult(1, 0), await _clients.Connection("g1").SendTextAsync("g1"));
        Assert.Equal(new WebSocketFanOutResult(0, 0), await _clients.Group("Lobby").SendTextAsync("names are case-sensitive"));
        Assert.Equal(new WebSocketFanOutResult(0, 0), await _clients.User("nobody").SendTextAsync("nobody"));

        Assert.Equal(["all", "all but a2", "lobby", "ann"], ann1.Texts);
        Assert.Equal(["all", "ann"], ann2.Texts);
        Assert.Equal(["all", "all but a2", "lobby", "lobby but a1"], ben.Texts);
        Assert.Equal(["all", "all but a2", "g1"], guest.Texts);
    }

    [Fact]
    public async Task AFullOutboxIsADropForThatConnectionOnly()
    {
        var slow = Connect("slow", null, capacity: 1);
        var fast = Connect("fast", null);
        _registry.Join(slow.Entry, "room");
        _registry.Join(fast.Entry, "room");

        Assert.Equal(new WebSocketFanOutResult(2, 0), await _clients.Group("room").SendTextAsync("one"));
        Assert.Equal(new WebSocketFanOutResult(1, 1), await _clients.Group("room").SendTextAsync("two"));
        Assert.Equal(["one"], slow.Texts);
        Assert.Equal(["one", "two"], fast.Texts);
    }

    [Fact]
    public async Task PresenceListsMembersUsersAndCountsAndReportsChangesInOrder()
    {
        var changes = new List<WebSocketPresenceChange>();
        using var subscription = _clients.Presence.Subscribe(changes.Add);
        var ann = Connect("a1", "ann");
        _clock.Advance(TimeSpan.FromSeconds(5));
        var ben = Connect("b1", "ben");
        await _clients.AddToGroupAsync("b1", "room");
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _clients.AddToGroupAsync("a1", "room");
        Connect("z1", null);

        var members = await _clients.Presence.GetGroupMembersAsync("room");
        Assert.Equal([("b1", "ben", 5), ("a1", "ann", 10)], members.Select(m => (m.ConnectionId, m.UserId!, (int)(m.Since - Start).TotalSeconds)));
        Assert.Equal(["ann", "ben"], await _clients.Presence.GetConnectedUsersAsync());
        Assert.Equal(3, await _clients.Presence.CountConnectionsAsync());
        Assert.Equal(2, await _clients.Presence.CountGroupMembersAsync("room"));
        Assert.False(await _clients.AddToGroupAsync("nope", "room"));
        Assert.False(await _clients.RemoveFromGroupAsync("a1", "elsewhere"));

        _registry.Remove(ben.Entry);
        Assert.Equal(["a1"], (await _clients.Presence.GetGroupMembersAsync("room")).Select(m => m.ConnectionId));
        Assert.Equal(["ann"], await _clients.Presence.GetConnectedUsersAsync());
        Assert.Equal(
            ["Connected a1", "Connected b1", "JoinedGroup b1 room", "JoinedGroup a1 room", "Connected z1", "LeftGroup b1 room", "Disconnected b1"],
            changes.Select(c => $"{c.Kind} {c.ConnectionId}{(c.Group is null ? "" : " " + c.Group)}"));
    }

    [Fact]
    public async Task NoConnectionStaysInAGroupAfterItEndedWhateverRacedWithIt()
    {
        // Joins, leaves, sends and ends from many threads at once, many times over.
        for (var round = 0; round < 200; round++)
        {
            var connections = Enumerable.Range(0, 8).Select(i => Connect($"r{round}c{i}", $"user{i % 3}")).ToArray();
            var work = connections.SelectMany(c => new Func<Task>[]
            {
                () => Task.Run(() => _registry.Join(c.Entry, "g1")),
                () => Task.Run(async () => await _clients.AddToGroupAsync(c.Entry.Id, "g2")),
                () => Task.Run(() => _registry.Leave(c.Entry, "g1")),
                () => Task.Run(async () => await _clients.Group("g1").SendTextAsync("x")),
                () => Task.Run(async () => await _clients.User(c.Entry.UserId!).SendTextAsync("y")),
                () => Task.Run(() => _registry.Remove(c.Entry)),
                () => Task.Run(() => _registry.Join(c.Entry, "g3")),
            }).OrderBy(_ => Random.Shared.Next()).Select(start => start()).ToArray();
            await Task.WhenAll(work);
        }

        Assert.Empty(await _clients.Presence.GetGroupMembersAsync("g1"));
        Assert.Empty(await _clients.Presence.GetGroupMembersAsync("g2"));
        Assert.Empty(await _clients.Presence.GetGroupMembersAsync("g3"));
        Assert.Empty(await _clients.Presence.GetConnectedUsersAsync());
        Assert.Equal(0, await _clients.Presence.CountConnectionsAsync());
    }

    [Fact]
    public async Task TextIsEncodedOnceForEveryReceiver()
    {
        var one = Connect("1", null);
        var two = Connect("2", null);
        await _clients.All.SendTextAsync("shared");
        var first = Assert.Single(one.Messages);
        var second = Assert.Single(two.Messages);
        Assert.Null(first.Text);
        Assert.True(first.Utf8Text.Span == second.Utf8Text.Span, "both receivers get the same encoded bytes");
    }

    [Fact]
    public async Task AGroupNameOverTheLimitIsRefusedBeforeAnythingChangesOrIsSent()
    {
        var registries = new ConnectionRegistries(_clock, WebSocketEndpointMetrics.Shared, limits: new GroupLimits(MaxGroupNameLength: 8, MaxGroupsPerConnection: 100));
        var registry = registries.For(typeof(ConnectionRegistryTests), "limited");
        var clients = new WebSocketClients<ConnectionRegistryTests>(registries);
        var receiver = new FakeReceiver("c1", 10);
        receiver.Entry = registry.Add(receiver, null, receiver);

        Assert.True(registry.Join(receiver.Entry, "12345678"));
        var join = Assert.Throws<ArgumentException>(() => registry.Join(receiver.Entry, "123456789"));
        Assert.Contains("MaxGroupNameLength", join.Message);
        Assert.Throws<ArgumentException>(() => clients.Group("123456789"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await clients.AddToGroupAsync("c1", "123456789"));
        Assert.Equal(["12345678"], receiver.Entry.Groups!.Keys);
        // The backplane's answer for another server's connection over the limit: not changed, nothing thrown.
        Assert.False(registries.ChangeGroup("limited", "c1", "123456789", join: true));
    }

    [Fact]
    public void AJoinOverTheGroupsPerConnectionLimitIsRefusedWithAClearError()
    {
        var registries = new ConnectionRegistries(_clock, WebSocketEndpointMetrics.Shared, limits: new GroupLimits(MaxGroupNameLength: 100, MaxGroupsPerConnection: 3));
        var registry = registries.For(typeof(ConnectionRegistryTests), "capped");
        var receiver = new FakeReceiver("c1", 10);
        receiver.Entry = registry.Add(receiver, null, receiver);
        for (var i = 0; i < 3; i++) Assert.True(registry.Join(receiver.Entry, "g" + i));

        Assert.False(registry.Join(receiver.Entry, "g0")); // already a member: not a new group
        var error = Assert.Throws<InvalidOperationException>(() => registry.Join(receiver.Entry, "g3"));
        Assert.Contains("MaxGroupsPerConnection", error.Message);
        Assert.True(registry.Leave(receiver.Entry, "g1"));
        Assert.True(registry.Join(receiver.Entry, "g3"));
    }

    [Fact]
    public async Task AKeyTheBackplaneCannotCarryThrowsBeforeAnyLocalDelivery()
    {
        var backplane = new RecordingBackplane();
        var registries = new ConnectionRegistries(_clock, WebSocketEndpointMetrics.Shared, backplane);
        var registry = registries.For(typeof(ConnectionRegistryTests), "scaled");
        var clients = new WebSocketClients<ConnectionRegistryTests>(registries);
        var user = new string('u', 70_000);
        var receiver = new FakeReceiver("c1", 10);
        receiver.Entry = registry.Add(receiver, user, receiver);

        await Assert.ThrowsAsync<ArgumentException>(async () => await clients.User(user).SendTextAsync("not for anyone"));
        Assert.Empty(receiver.Texts);
        Assert.Empty(backplane.Published);
        Assert.Equal(new WebSocketFanOutResult(1, 0), await clients.Connection("c1").SendTextAsync("a key it can carry"));
        Assert.Equal(["a key it can carry"], receiver.Texts);
    }

    [Fact]
    public void AHundredThousandMembersJoinLeaveAndSnapshotCorrectly()
    {
        var receivers = Enumerable.Range(0, 100_000).Select(i => Connect("m" + i, null)).ToArray();
        foreach (var receiver in receivers) _registry.Join(receiver.Entry, "big");
        for (var i = 0; i < 100_000; i += 2) _registry.Join(receivers[i].Entry, "even");
        for (var i = 0; i < 1000; i++) _registry.Remove(receivers[i].Entry);

        Assert.Equal(99_000, _registry.CountMembers("big"));
        Assert.Equal(49_500, _registry.CountMembers("even"));
        Assert.Equal(99_000, _registry.MembersOf("big").Length);
        var snapshot = _registry.Snapshot();
        Assert.Equal(99_000, snapshot.Count);
        Assert.Equal(99_000 + 49_500, snapshot.Sum(c => c.Groups.Count));
        Assert.All(snapshot.Where(c => c.ConnectionId == "m1001"), c => Assert.Equal(["big"], c.Groups.Select(g => g.Group)));
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A backplane that only records what it is asked to publish.</summary>
    private sealed class RecordingBackplane : Endpoints.Scaleout.IWebSocketBackplane
    {
        public ConcurrentQueue<Endpoints.Scaleout.BackplaneMessage> Published { get; } = new();

        public string NodeId => "node";

        public void Start(Endpoints.Scaleout.IWebSocketBackplaneHost host)
        {
        }

        public void Publish(Endpoints.Scaleout.BackplaneMessage message) => Published.Enqueue(message);

        public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
        {
        }

        public ValueTask WhenAppliedAsync(CancellationToken cancellationToken) => default;

        public ValueTask<bool> ChangeRemoteGroupAsync(string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken) => new(false);

        public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
            => new([]);

        public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken) => new([]);
    }

    private FakeReceiver Connect(string id, string? userId, int capacity = 100)
    {
        var receiver = new FakeReceiver(id, capacity);
        receiver.Entry = _registry.Add(receiver, userId, receiver);
        return receiver;
    }

    private sealed class FakeReceiver(string id, int capacity) : IFanOutReceiver, IHostStoppingListener
    {
        private readonly ConcurrentQueue<WebSocketMessage> _messages = new();

        public string Id { get; } = id;

        public RegisteredConnection Entry { get; set; } = null!;

        public List<WebSocketMessage> Messages => [.. _messages];

        public List<string> Texts => _messages.Select(m => m.Text ?? System.Text.Encoding.UTF8.GetString(m.Utf8Text.Span)).ToList();

        public void OnHostStopping()
        {
        }

        public bool TryEnqueue(WebSocketMessage message)
        {
            if (_messages.Count >= capacity) return false;
            _messages.Enqueue(message);
            return true;
        }

        // A plain client: stream messages come without their header, control messages not at all.
        public bool TryEnqueue(WebSocketMessage message, byte[] header) => TryEnqueue(message);

        public bool TryEnqueueControl(WebSocketMessage message, byte[] header) => true;

        public StreamSubscriber? Subscriber => null;

        public bool TryEnqueueNumbered(WebSocketMessage message, byte[] header, StreamAudience audience, string stream, string epoch, long offset)
            => TryEnqueue(message);

        public void ReplayIncomplete()
        {
        }
    }
}
