using Endpoints.Scaleout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>
/// Presence on its own: a server's changes become fields and counts of its hash, the heartbeat keeps it live on the
/// injected clock, the readers see other live servers only, and a server Redis forgot writes itself again.
/// </summary>
public sealed class RedisPresenceTests : IAsyncLifetime
{
    private const string Endpoint = "Chat";
    private const int PresenceRewritten = 4;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly string _prefix = "p" + Guid.NewGuid().ToString("N")[..8];
    private readonly FakeHost _host = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task ChangesBecomeTheLatestFieldsAndCountsOfThisServersHashWithItsExpiry()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a", _clock);
        var presence = Presence(part);
        await using var admin = await Admin.ConnectAsync(_redis);
        var key = part.Names.PresenceKey(Endpoint, "a");
        var at = _clock.GetUtcNow();
        var value = RedisNames.PresenceValue("ann", at);

        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Connected, "a/1", "ann", null, at));
        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.JoinedGroup, "a/1", "ann", "room", at));
        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Connected, "a/2", null, null, at));
        await HashIsAsync(admin, key, new()
        {
            ["c\ta/1"] = value,
            ["g\ta/1\troom"] = value,
            ["c\ta/2"] = RedisNames.PresenceValue(null, at),
            ["#c"] = "2",
            ["#g\troom"] = "1",
        });
        var ttl = await admin.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), part.Options.NodeExpiry * 2);

        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.LeftGroup, "a/1", "ann", "room", at));
        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Disconnected, "a/1", "ann", null, at));
        await HashIsAsync(admin, key, new() { ["c\ta/2"] = RedisNames.PresenceValue(null, at), ["#c"] = "1" });
    }

    [Fact]
    public async Task AnotherServersPresenceIsReadWhileItsHeartbeatLastsAndNotAfter()
    {
        await using var b = await Part.ConnectedAsync(_redis, _prefix, "b", _clock);
        var presenceB = Presence(b);
        await presenceB.BeatAsync(); // makes b known (nothing to write yet)
        var at = _clock.GetUtcNow();
        presenceB.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Connected, "b/1", "ben", null, at));
        presenceB.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.JoinedGroup, "b/1", "ben", "r*", at));
        presenceB.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Connected, "b/2", null, null, at));
        presenceB.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.JoinedGroup, "b/2", null, "room", at));
        await using var a = await Part.ConnectedAsync(_redis, _prefix, "a", _clock);
        var readerA = new RedisPresenceReader(a.Connection, a.Names, a.Options, a.Log, _clock);
        await Eventually.WaitUntilAsync(async () => await readerA.CountRemoteConnectionsAsync(Endpoint, CancellationToken.None) == 2, "b's connections");

        Assert.Contains("b", await readerA.LiveNodesAsync());
        Assert.Equal([new("b/1", "ben", at), new("b/2", null, at)],
            (await readerA.GetRemoteConnectionsAsync(Endpoint, CancellationToken.None)).OrderBy(static m => m.ConnectionId));
        // "r*" is a name, not a pattern: "room" is not one of its members.
        Assert.Equal([new WebSocketGroupMember("b/1", "ben", at)], await readerA.GetRemoteGroupMembersAsync(Endpoint, "r*", CancellationToken.None));
        Assert.Equal(1, await readerA.CountRemoteGroupMembersAsync(Endpoint, "room", CancellationToken.None));
        // A server's own presence is not "remote".
        var readerB = new RedisPresenceReader(b.Connection, b.Names, b.Options, b.Log, _clock);
        Assert.Empty(await readerB.GetRemoteConnectionsAsync(Endpoint, CancellationToken.None));

        // b dies: no beat. Once its heartbeat expires on the clock, it is gone for readers, and a's beat clears it out.
        _clock.Advance(b.Options.NodeExpiry + TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain("b", await readerA.LiveNodesAsync());
        Assert.Empty(await readerA.GetRemoteConnectionsAsync(Endpoint, CancellationToken.None));
        Assert.Empty(await readerA.GetRemoteGroupMembersAsync(Endpoint, "r*", CancellationToken.None));
        Assert.Equal(0, await readerA.CountRemoteConnectionsAsync(Endpoint, CancellationToken.None));
        await Presence(a).BeatAsync();
        await using var admin = await Admin.ConnectAsync(_redis);
        Assert.Null(await admin.GetDatabase().SortedSetScoreAsync(a.Names.NodesKey, "b"));
        Assert.NotNull(await admin.GetDatabase().SortedSetScoreAsync(a.Names.NodesKey, "a"));
    }

    [Fact]
    public async Task WhenRedisForgetsThisServerTheNextBeatWritesItsPresenceAgainFromTheSnapshot()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a", _clock);
        var presence = Presence(part);
        await presence.BeatAsync();
        Assert.Equal(1, part.Log.Count(PresenceRewritten)); // the first beat: Redis did not know this server yet
        await using var admin = await Admin.ConnectAsync(_redis);
        var since = _clock.GetUtcNow();
        _host.Connections =
        [
            new(Endpoint, "a/1", "ann", since, [("room", since + TimeSpan.FromSeconds(1))]),
            new(Endpoint, "a/2", null, since, [("room", since), ("lobby", since)]),
        ];

        await admin.GetServers()[0].FlushAllDatabasesAsync();
        await presence.BeatAsync();

        Assert.NotNull(await admin.GetDatabase().SortedSetScoreAsync(part.Names.NodesKey, "a"));
        await HashIsAsync(admin, part.Names.PresenceKey(Endpoint, "a"), new()
        {
            ["c\ta/1"] = RedisNames.PresenceValue("ann", since),
            ["g\ta/1\troom"] = RedisNames.PresenceValue("ann", since + TimeSpan.FromSeconds(1)),
            ["c\ta/2"] = RedisNames.PresenceValue(null, since),
            ["g\ta/2\troom"] = RedisNames.PresenceValue(null, since),
            ["g\ta/2\tlobby"] = RedisNames.PresenceValue(null, since),
            ["#c"] = "2",
            ["#g\troom"] = "2",
            ["#g\tlobby"] = "1",
        });
        Assert.Equal(2, part.Log.Count(PresenceRewritten));
        await presence.BeatAsync(); // known now: renewed, not written again
        Assert.Equal(2, part.Log.Count(PresenceRewritten));
    }

    [Fact]
    public async Task GoodbyeTakesThisServerOutAtOnceAndNoBeatBringsItBack()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a", _clock);
        var presence = Presence(part);
        await presence.BeatAsync();
        presence.OnLocalChange(Endpoint, new(WebSocketPresenceChangeKind.Connected, "a/1", "ann", null, _clock.GetUtcNow()));
        await using var admin = await Admin.ConnectAsync(_redis);
        var key = part.Names.PresenceKey(Endpoint, "a");
        await Eventually.WaitUntilAsync(() => admin.GetDatabase().KeyExistsAsync(key), "a's presence");

        await presence.GoodbyeAsync();
        Assert.True(presence.Stopped);
        Assert.False(await admin.GetDatabase().KeyExistsAsync(key));
        Assert.Null(await admin.GetDatabase().SortedSetScoreAsync(part.Names.NodesKey, "a"));

        await presence.BeatAsync();
        Assert.Null(await admin.GetDatabase().SortedSetScoreAsync(part.Names.NodesKey, "a"));
    }

    private RedisPresence Presence(Part part)
    {
        var presence = new RedisPresence(part.Connection, part.Names, _host.Snapshot, part.Options, part.Log, _clock, part.Stopping);
        part.Run(presence.LoopAsync, "presence");
        return presence;
    }

    private static async Task HashIsAsync(ConnectionMultiplexer admin, RedisKey key, Dictionary<string, string> expected)
    {
        var wanted = string.Join("\n", expected.Select(static e => $"{e.Key}={e.Value}").Order(StringComparer.Ordinal));
        var last = "";
        try
        {
            await Eventually.WaitUntilAsync(async () =>
            {
                var entries = await admin.GetDatabase().HashGetAllAsync(key);
                last = string.Join("\n", entries.Select(static e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal));
                return last == wanted;
            }, $"the hash {key}");
        }
        catch (TimeoutException)
        {
            Assert.Equal(wanted, last); // shows what differs
            throw;
        }
    }
}
