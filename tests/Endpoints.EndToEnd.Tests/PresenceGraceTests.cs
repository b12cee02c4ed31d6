using System.Collections.Concurrent;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Endpoints.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// Presence on a resumable endpoint: a client that comes back within the presence grace is one member throughout, not a
/// leave and a join; one that does not is reported gone when the grace is over.
/// </summary>
public sealed class PresenceGraceTests
{
    [Fact]
    public async Task AClientThatResumesWithinTheGraceStaysOneMemberAndIsReportedAsResumedNotAsALeaveAndAJoin()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var clients = server.Services.GetRequiredService<IWebSocketClients<ResumableEndpoint>>();
        using var bob = await OpenAsync(server, "bob");
        var (ann, session) = await OpenWithSessionAsync(server, "ann");
        var annId = (await clients.Presence.GetUserConnectionsAsync("ann")).Single().ConnectionId;
        var joinedAt = (await clients.Presence.GetGroupMembersAsync("lobby")).Single(m => m.UserId == "ann").Since;
        var changes = new ConcurrentQueue<WebSocketPresenceChange>();
        using var _ = clients.Presence.Subscribe(changes.Enqueue);

        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/lobby"), "ann's connection to end");

        // Away within the grace: still a member and still a user, nothing reported.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["ann", "bob"], (await clients.Presence.GetGroupMembersAsync("lobby")).Select(m => m.UserId).Order());
        Assert.Equal(2, await clients.Presence.CountGroupMembersAsync("lobby"));
        Assert.Equal(["ann", "bob"], await clients.Presence.GetConnectedUsersAsync());
        Assert.Equal(annId, (await clients.Presence.GetUserConnectionsAsync("ann")).Single().ConnectionId);
        Assert.Empty(changes);

        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "ann");
        Assert.True((await back.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
        await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:lobby");

        var change = Assert.Single(changes);
        Assert.Equal(WebSocketPresenceChangeKind.Resumed, change.Kind);
        Assert.Equal(annId, change.PreviousConnectionId);
        var members = await clients.Presence.GetGroupMembersAsync("lobby");
        var annNow = Assert.Single(members, m => m.UserId == "ann");
        Assert.Equal(change.ConnectionId, annNow.ConnectionId);
        Assert.Equal(joinedAt, annNow.Since); // the same membership, not a new one
        Assert.Equal(2, await clients.Presence.CountConnectionsAsync());

        // The grace running out later changes nothing: the session came back.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(changes);
        Assert.Equal(2, await clients.Presence.CountGroupMembersAsync("lobby"));

        // Reachable as the member it is: the room's messages arrive.
        await bob.SendAsync("say still here");
        Assert.Equal(["still here"], await back.ReceiveTextsAsync(1));
    }

    [Fact]
    public async Task AClientThatDoesNotComeBackWithinTheGraceIsReportedGoneWhenItIsOver()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var clients = server.Services.GetRequiredService<IWebSocketClients<ResumableEndpoint>>();
        var (ann, _) = await OpenWithSessionAsync(server, "ann");
        var annId = (await clients.Presence.GetUserConnectionsAsync("ann")).Single().ConnectionId;
        var changes = new ConcurrentQueue<WebSocketPresenceChange>();
        using var _ = clients.Presence.Subscribe(changes.Enqueue);

        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/lobby"), "ann's connection to end");
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(changes);
        Assert.Equal(1, await clients.Presence.CountGroupMembersAsync("lobby"));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(
            [(WebSocketPresenceChangeKind.LeftGroup, "lobby"), (WebSocketPresenceChangeKind.Disconnected, null)],
            changes.Select(c => (c.Kind, c.Group)));
        Assert.All(changes, c => Assert.Equal(annId, c.ConnectionId));
        Assert.Empty(await clients.Presence.GetGroupMembersAsync("lobby"));
        Assert.Empty(await clients.Presence.GetConnectedUsersAsync());
        Assert.Equal(0, await clients.Presence.CountConnectionsAsync());
    }

    [Fact]
    public async Task WithoutAGraceTheDepartureIsReportedAtOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(options: o => o.History.PresenceGrace = TimeSpan.Zero, time: clock);
        var clients = server.Services.GetRequiredService<IWebSocketClients<ResumableEndpoint>>();
        var (ann, _) = await OpenWithSessionAsync(server, "ann");
        var changes = new ConcurrentQueue<WebSocketPresenceChange>();
        using var _ = clients.Presence.Subscribe(changes.Enqueue);

        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(() => changes.Any(c => c.Kind == WebSocketPresenceChangeKind.Disconnected), "ann to be reported gone");
        Assert.Equal([WebSocketPresenceChangeKind.LeftGroup, WebSocketPresenceChangeKind.Disconnected], changes.Select(c => c.Kind));
        Assert.Equal(0, await clients.Presence.CountGroupMembersAsync("lobby"));
    }

    [Fact]
    public async Task AClientThatResumesBeforeItsOldConnectionIsNoticedGoneTakesItsPlaceWithoutALeave()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var clients = server.Services.GetRequiredService<IWebSocketClients<ResumableEndpoint>>();
        var (old, session) = await OpenWithSessionAsync(server, "ann");
        var oldId = (await clients.Presence.GetUserConnectionsAsync("ann")).Single().ConnectionId;
        var changes = new ConcurrentQueue<WebSocketPresenceChange>();
        using var _ = clients.Presence.Subscribe(changes.Enqueue);

        // A half-open socket: the server still holds it when the client comes back on a new one.
        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "ann");
        Assert.True((await back.HelloAsync(session, new Dictionary<string, (string, long)>(old.Positions)))["resumed"]!.GetValue<bool>());
        await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:lobby");
        var resumed = Assert.Single(changes);
        Assert.Equal((WebSocketPresenceChangeKind.Resumed, oldId), (resumed.Kind, resumed.PreviousConnectionId));

        old.Socket.Abort();
        old.Dispose();
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/lobby"), "the old connection to end");
        // Gone without a word to the observers and without a grace: one member, the new connection.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(changes);
        var member = Assert.Single(await clients.Presence.GetGroupMembersAsync("lobby"));
        Assert.Equal(resumed.ConnectionId, member.ConnectionId);
        Assert.Equal(1, await clients.Presence.CountConnectionsAsync());
    }

    [Fact]
    public async Task AnObserverThatThrowsWhenTheGraceIsOverDoesNotStopTheOthersOrTheServer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var clients = server.Services.GetRequiredService<IWebSocketClients<ResumableEndpoint>>();
        var (ann, _) = await OpenWithSessionAsync(server, "ann");
        using var thrower = clients.Presence.Subscribe(change =>
        {
            if (change.Kind == WebSocketPresenceChangeKind.LeftGroup) throw new InvalidOperationException("an observer's bug");
        });
        var changes = new ConcurrentQueue<WebSocketPresenceChange>();
        using var listener = clients.Presence.Subscribe(changes.Enqueue);

        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/lobby"), "ann's connection to end");
        // The grace ends on the clock's timer: the throw stays there.
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([WebSocketPresenceChangeKind.LeftGroup, WebSocketPresenceChangeKind.Disconnected], changes.Select(c => c.Kind));
        using var bob = await OpenAsync(server, "bob");
        Assert.Equal(1, await clients.Presence.CountConnectionsAsync());
    }

    private static async Task<V1Client> OpenAsync(TestServer server, string user)
        => (await OpenWithSessionAsync(server, user)).Client;

    private static async Task<(V1Client Client, string Session)> OpenWithSessionAsync(TestServer server, string user)
    {
        var client = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), user);
        var session = (await client.HelloAsync())["session"]!.GetValue<string>();
        await client.ReceiveUntilSubscribedAsync("a", "u:" + user, "g:lobby");
        return (client, session);
    }
}
