using System.Text.Json.Nodes;
using Endpoints.Tests;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>
/// Resumable delivery across servers on Redis Streams: a client that lost its server resumes on another with nothing
/// missed, twice or out of order; what Redis lost is reported as a gap; client messages are handled once.
/// </summary>
public sealed class ResumableScaleOutTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly string _prefix = "r" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private static Uri Resumable(Node node, string user, string groups = "") => new(node.Address, $"/resumable?user={user}&groups={groups}");

    private static async Task<(V1Client Client, string Session)> OpenAsync(Node node, string user, string groups, params string[] streams)
    {
        var client = await V1Client.ConnectAsync(Resumable(node, user, groups));
        var session = (await client.HelloAsync())["session"]!.GetValue<string>();
        await client.ReceiveUntilSubscribedAsync(streams);
        return (client, session);
    }

    [Fact]
    public async Task AClientThatLostItsServerResumesOnAnotherWithWhatItsGroupAndUserMissedInOrderOnce()
    {
        var handled = new HandledMessages();
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, handled: handled);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, handled: handled);
        var (ben, _) = await OpenAsync(b, "ben", "room", "a", "u:ben", "g:room");
        using var _ben = ben;

        var (ann, session) = await OpenAsync(a, "ann", "room", "a", "u:ann", "g:room");
        await ben.SendAsync("group room one");
        Assert.Equal(["one"], await ann.ReceiveTextsAsync(1));
        Assert.Equal(["one"], await ben.ReceiveTextsAsync(1));
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();

        foreach (var line in new[] { "two", "three", "four" }) await ben.SendAsync("group room " + line);
        Assert.Equal(["two", "three", "four"], await ben.ReceiveTextsAsync(3));
        await ben.SendAsync("user ann for ann only");

        using var back = await V1Client.ConnectAsync(Resumable(b, "ann", "room"));
        var welcome = await back.HelloAsync(session, positions);
        Assert.True(welcome["resumed"]!.GetValue<bool>());
        var seen = await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:room");
        Assert.Equal(["for ann only", "two", "three", "four"], seen.Where(m => m.Header?["s"] is not null).Select(m => m.Payload));
        Assert.DoesNotContain(seen, m => m.Header?["k"]?.GetValue<string>() == "gap");
        Assert.Contains("ann resumed", handled.Items);

        // Live after the replay, numbered on from it.
        await ben.SendAsync("group room five");
        var (header, payload) = await back.ReceiveAsync();
        Assert.Equal("five", payload);
        Assert.Equal(positions["g:room"].Item2 + 4, header!["o"]!.GetValue<long>());
    }

    [Fact]
    public async Task OwnMessagesNotReadBeforeTheServerWentAwayAreReplayedByAnother()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        var (ann, session) = await OpenAsync(a, "ann", "", "a", "u:ann");
        await ann.SendAsync("burst 4");
        Assert.Equal(["line 1"], await ann.ReceiveTextsAsync(1));
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        await a.CrashAsync();
        ann.Dispose();

        using var back = await V1Client.ConnectAsync(Resumable(b, "ann"));
        Assert.True((await back.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
        Assert.Equal(["line 2", "line 3", "line 4"], await back.ReceiveTextsAsync(3));
        // The session's stream goes on where the other server left it.
        await back.SendAsync("me after");
        var (header, payload) = await back.ReceiveAsync();
        Assert.Equal("after", payload);
        Assert.Equal(5, header!["o"]!.GetValue<long>());
    }

    [Fact]
    public async Task ASessionThatComesBackToAServerItUsedBeforeNumbersOnFromWhereItWentOnElsewhere()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        var (first, session) = await OpenAsync(a, "ann", "", "a", "u:ann");
        await first.SendAsync("burst 2");
        Assert.Equal(["line 1", "line 2"], await first.ReceiveTextsAsync(2));
        var positions = new Dictionary<string, (string, long)>(first.Positions);
        first.Dispose();

        using (var second = await V1Client.ConnectAsync(Resumable(b, "ann")))
        {
            await second.HelloAsync(session, positions);
            await second.ReceiveUntilSubscribedAsync("a", "u:ann");
            await second.SendAsync("burst 2");
            Assert.Equal(["line 1", "line 2"], await second.ReceiveTextsAsync(2));
            positions = new Dictionary<string, (string, long)>(second.Positions);
        }
        var sessionStream = positions.Keys.Single(k => k.StartsWith("s:", StringComparison.Ordinal));
        Assert.Equal(4, positions[sessionStream].Item2);

        // Back on the first server, which still holds its own copy up to 2: it numbers on after 4, not after 2.
        using var third = await V1Client.ConnectAsync(Resumable(a, "ann"));
        Assert.True((await third.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
        await third.ReceiveUntilSubscribedAsync("a", "u:ann");
        await third.SendAsync("me again");
        var (header, payload) = await third.ReceiveAsync();
        Assert.Equal("again", payload);
        Assert.Equal(5, header!["o"]!.GetValue<long>());
    }

    [Fact]
    public async Task AResumeReadsWhatTheClientMissedAndWhenItMissedMoreThanTheHistoryTheNewestWithAGapForTheRest()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        var (ben, _) = await OpenAsync(b, "ben", "room", "g:room");
        using var _ben = ben;
        var (ann, session) = await OpenAsync(a, "ann", "room", "g:room");
        for (var i = 1; i <= 50; i++) await ben.SendAsync($"group room seen {i}");
        Assert.Equal(50, (await ann.ReceiveTextsAsync(50)).Count);
        Assert.Equal(50, (await ben.ReceiveTextsAsync(50)).Count);
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();

        // Missed a few of a longer history: exactly those, no gap.
        foreach (var line in new[] { "one", "two" }) await ben.SendAsync("group room " + line);
        Assert.Equal(2, (await ben.ReceiveTextsAsync(2)).Count);
        var back = await V1Client.ConnectAsync(Resumable(b, "ann", "room"));
        await back.HelloAsync(session, positions);
        var seen = await back.ReceiveUntilSubscribedAsync("g:room");
        Assert.Equal(["one", "two"], seen.Where(m => m.Header?["s"]?.GetValue<string>() == "g:room").Select(m => m.Payload));
        Assert.DoesNotContain(seen, m => m.Header?["k"]?.GetValue<string>() == "gap");
        positions = new Dictionary<string, (string, long)>(back.Positions);
        back.Socket.Abort();
        back.Dispose();

        // Missed 305 with a history of 300: a gap of the oldest 5, then the newest 300 in order.
        for (var i = 1; i <= 305; i++) await ben.SendAsync($"group room missed {i}");
        Assert.Equal(305, (await ben.ReceiveTextsAsync(305)).Count);
        using var again = await V1Client.ConnectAsync(Resumable(a, "ann", "room"));
        await again.HelloAsync(session, positions);
        seen = await again.ReceiveUntilSubscribedAsync("g:room");
        var gap = JsonNode.Parse(Assert.Single(seen, m => m.Header?["k"]?.GetValue<string>() == "gap" && m.Payload.Contains("g:room", StringComparison.Ordinal)).Payload)!;
        Assert.Equal(5, gap["count"]!.GetValue<long>());
        Assert.Equal(Enumerable.Range(6, 300).Select(i => $"missed {i}"), seen.Where(m => m.Header?["s"]?.GetValue<string>() == "g:room").Select(m => m.Payload));
    }

    [Fact]
    public async Task AClientThatResumesOnAnotherServerWithinThePresenceGraceIsOneMemberAcrossTheServers()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        var (ben, _) = await OpenAsync(b, "ben", "room", "g:room");
        using var _ben = ben;
        var (ann, session) = await OpenAsync(a, "ann", "room", "g:room");
        var presence = b.Services.GetRequiredService<IWebSocketClients<ResumableClusterEndpoint>>().Presence;
        var changesOnA = new List<WebSocketPresenceChange>();
        using var _ = a.Services.GetRequiredService<IWebSocketClients<ResumableClusterEndpoint>>().Presence.Subscribe(c => { lock (changesOnA) changesOnA.Add(c); });
        await Eventually.WaitUntilAsync(async () => await presence.CountGroupMembersAsync("room") == 2, "ann on the other server to be present");
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();

        // Away within the grace (or not yet noticed gone): still present on every server.
        lock (changesOnA) Assert.Empty(changesOnA);
        Assert.Equal(["ann", "ben"], (await presence.GetGroupMembersAsync("room")).Select(m => m.UserId).Order());

        var changesOnB = new List<WebSocketPresenceChange>();
        using var __ = presence.Subscribe(c => { lock (changesOnB) changesOnB.Add(c); });
        using var back = await V1Client.ConnectAsync(Resumable(b, "ann", "room"));
        Assert.True((await back.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
        await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:room");
        // Server b's view: the member came over from another server, not a new arrival.
        lock (changesOnB) Assert.Equal((WebSocketPresenceChangeKind.Resumed, null), (changesOnB[0].Kind, changesOnB[0].PreviousConnectionId));

        // Server a hears that the session went on elsewhere: ann counts once, well before the grace is over.
        await Eventually.WaitUntilAsync(async () => await presence.CountGroupMembersAsync("room") == 2 && (await presence.GetUserConnectionsAsync("ann")).Count == 1,
            "ann to count once across the servers");
        var members = await presence.GetGroupMembersAsync("room");
        Assert.Equal(["ann", "ben"], members.Select(m => m.UserId).Order());
        // Server a's own view: the connection left it, for another server (not the app).
        lock (changesOnA) Assert.Equal([(WebSocketPresenceChangeKind.LeftGroup, true), (WebSocketPresenceChangeKind.Disconnected, true)], changesOnA.Select(c => (c.Kind, c.ResumedElsewhere)));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(0)]
    public async Task AClientBackOnAnotherServerAfterTheGraceIsANewArrivalThere(int graceSeconds)
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, presenceGrace: TimeSpan.FromSeconds(graceSeconds));
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        var (ann, session) = await OpenAsync(a, "ann", "room", "g:room");
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        var onA = a.Services.GetRequiredService<IWebSocketClients<ResumableClusterEndpoint>>().Presence;
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = onA.Subscribe(c => { if (c.Kind == WebSocketPresenceChangeKind.Disconnected) gone.TrySetResult(); });
        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(async () =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1)); // until a noticed the end and its grace ran out
            return gone.Task.IsCompleted && await onA.CountConnectionsAsync() == 0;
        }, "a to report ann gone");

        // a's word that the session left goes to Redis through its outbox.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration))
        {
            var key = Assert.Single(admin.GetServers()[0].Keys(pattern: _prefix + ":*:session:*"));
            await Eventually.WaitUntilAsync(async () => (await admin.GetDatabase().HashGetAsync(key, "o")).IsNull, "a to say that the session left it");
        }

        var changesOnB = new List<WebSocketPresenceChange>();
        using var __ = b.Services.GetRequiredService<IWebSocketClients<ResumableClusterEndpoint>>().Presence.Subscribe(c => { lock (changesOnB) changesOnB.Add(c); });
        using var back = await V1Client.ConnectAsync(Resumable(b, "ann", "room"));
        Assert.True((await back.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
        await back.ReceiveUntilSubscribedAsync("g:room");
        lock (changesOnB) Assert.Equal(WebSocketPresenceChangeKind.Connected, changesOnB[0].Kind);
    }

    [Fact]
    public async Task WhenRedisLosesItsDataTheLossIsReportedAsAGapOfUnknownSize()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        var (ben, _) = await OpenAsync(a, "ben", "room", "g:room");
        using var _ben = ben;
        var (ann, session) = await OpenAsync(a, "ann", "room", "g:room");
        await ben.SendAsync("group room before");
        Assert.Equal(["before"], await ann.ReceiveTextsAsync(1));
        Assert.Equal(["before"], await ben.ReceiveTextsAsync(1));
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Dispose();

        // As a restart without persistence would: streams, positions and sessions gone (FaultTests restart the process).
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServers()[0].FlushAllDatabasesAsync();
        }
        await ben.SendAsync("group room after");
        Assert.Equal(["after"], await ben.ReceiveTextsAsync(1));

        using var back = await V1Client.ConnectAsync(Resumable(a, "ann", "room"));
        var welcome = await back.HelloAsync(session, positions);
        Assert.False(welcome["resumed"]!.GetValue<bool>()); // Redis forgot the session too
        var seen = await back.ReceiveUntilSubscribedAsync("g:room");
        // Every stream it had a position in reports a gap of unknown size: the room's, all's and the user's.
        var gaps = seen.Where(m => m.Header?["k"]?.GetValue<string>() == "gap").Select(m => JsonNode.Parse(m.Payload)!).ToList();
        Assert.Contains(gaps, gap => gap["s"]!.GetValue<string>() == "g:room" && gap["e"]!.GetValue<string>() == positions["g:room"].Item1);
        Assert.All(gaps, gap => Assert.Null(gap["count"]));
        Assert.Contains("after", seen.Where(m => m.Header?["s"] is not null).Select(m => m.Payload));
    }

    [Fact]
    public async Task TheDotNetClientResumesOnTheServerThatReplacedAKilledOne()
    {
        await using var c = await Node.StartAsync(_redis, _prefix, "c", _clock);
        var (ben, _) = await OpenAsync(c, "ben", "room", "g:room");
        using var _ben = ben;
        var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        var port = a.Address.Port;
        await using var client = new Endpoints.Client.EndpointsClient(Resumable(a, "ann", "room"), new Endpoints.Client.EndpointsClientOptions
        {
            Reconnect = new Endpoints.Client.ReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200) },
        });
        var gaps = new List<Endpoints.Client.StreamGap>();
        client.Gap += gaps.Add;
        await client.StartAsync();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var messages = client.ReadAllAsync(reading.Token).GetAsyncEnumerator(reading.Token);
        async Task<string> NextAsync()
        {
            Assert.True(await messages.MoveNextAsync());
            return messages.Current.Text;
        }

        await Eventually.WaitUntilAsync(async () => (await c.Services.GetRequiredService<IWebSocketClients<ResumableClusterEndpoint>>().Presence.CountGroupMembersAsync("room")) == 2,
            "ann in the room");
        await ben.SendAsync("group room one");
        Assert.Equal("one", await NextAsync());

        // Killed; what was said meanwhile is in Redis; another server takes its address.
        await a.CrashAsync();
        foreach (var line in new[] { "two", "three" }) await ben.SendAsync("group room " + line);
        Assert.Equal(["one", "two", "three"], await ben.ReceiveTextsAsync(3));
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, port: port);

        Assert.Equal("two", await NextAsync());
        Assert.Equal("three", await NextAsync());
        Assert.True(client.Resumed);
        await ben.SendAsync("group room four");
        Assert.Equal("four", await NextAsync());
        Assert.Empty(gaps);
    }

    [Fact]
    public async Task WithAnAppendOnlyFileARedisRestartLosesNothing()
    {
        await using var persistent = await RedisServer.StartAsync(appendOnly: true);
        await using var a = await Node.StartAsync(persistent, _prefix, "a", _clock);
        var (ben, _) = await OpenAsync(a, "ben", "room", "g:room");
        using var _ben = ben;
        var (ann, session) = await OpenAsync(a, "ann", "room", "a", "u:ann", "g:room");
        await ben.SendAsync("group room one");
        Assert.Equal(["one"], await ann.ReceiveTextsAsync(1));
        Assert.Equal(["one"], await ben.ReceiveTextsAsync(1));
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();
        await ben.SendAsync("group room two");
        Assert.Equal(["two"], await ben.ReceiveTextsAsync(1));

        await persistent.RestartAsync();
        // Back once the server has reconnected (its retries run on the fake clock): a resume then finds everything.
        JsonObject? welcome = null;
        List<(JsonObject? Header, string Payload)> seen = [];
        await Eventually.WaitUntilAsync(async () =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            try
            {
                using var back = await V1Client.ConnectAsync(Resumable(a, "ann", "room"));
                welcome = await back.HelloAsync(session, positions);
                seen = await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:room");
                return true;
            }
            catch (Exception exception) when (exception is System.Net.WebSockets.WebSocketException or Xunit.Sdk.XunitException)
            {
                return false; // closed with 1013 while Redis was away: come back later
            }
        }, "a resume after Redis came back", seconds: 30);
        Assert.True(welcome!["resumed"]!.GetValue<bool>());
        Assert.DoesNotContain(seen, m => m.Header?["k"]?.GetValue<string>() == "gap");
        Assert.Equal(["two"], seen.Where(m => m.Header?["s"] is not null).Select(m => m.Payload));
    }

    [Fact]
    public async Task AClientMessageHandledByOneServerIsNotHandledAgainByAnother()
    {
        var handled = new HandledMessages();
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, handled: handled);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, handled: handled);
        var (ann, session) = await OpenAsync(a, "ann", "", "a", "u:ann");
        await ann.SendAsync("first", "{\"n\":1}");
        await ann.SendAsync("second", "{\"n\":2}");
        await Eventually.WaitUntilAsync(() => handled.Items.Count(i => i.StartsWith("ann ", StringComparison.Ordinal)) == 3, "both handled");
        ann.Socket.Abort();
        ann.Dispose();

        long received = 0;
        await Eventually.WaitUntilAsync(async () =>
        {
            using var probe = await V1Client.ConnectAsync(Resumable(b, "ann"));
            received = (await probe.HelloAsync(session))["received"]!.GetValue<long>();
            return received == 2;
        }, "the other server to know what was handled");
        using var back = await V1Client.ConnectAsync(Resumable(b, "ann"));
        Assert.Equal(2, (await back.HelloAsync(session))["received"]!.GetValue<long>());
        await back.SendAsync("second", "{\"n\":2}");
        await back.SendAsync("third", "{\"n\":3}");
        await Eventually.WaitUntilAsync(() => handled.Items.Contains("ann third"), "the new message handled");
        Assert.Single(handled.Items, i => i == "ann second");
    }
}
