using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Redis.Tests;

/// <summary>Two or three servers sharing one real redis-server: every target, ordering, presence and group changes across them.</summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task EveryTargetReachesItsConnectionsOnEveryServerOnce()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var annOnA = await a.ConnectAsync("ann", "room");
        using var annOnB = await b.ConnectAsync("ann");
        using var benOnB = await b.ConnectAsync("ben", "room");
        using var cyOnA = await a.ConnectAsync("cy");
        await WaitForMembersAsync(annOnA, "room", "ann,ben");
        await WaitForMembersAsync(benOnB, "room", "ann,ben");
        await WaitForAsync(annOnA, "users", "users ann,ben,cy");
        await WaitForAsync(annOnB, "users", "users ann,ben,cy");

        await cyOnA.SendTextAsync("group room to the room");
        Assert.Equal("to the room", await annOnA.ReceiveTextAsync());
        Assert.Equal("to the room", await benOnB.ReceiveTextAsync());

        await benOnB.SendTextAsync("user ann both of ann's tabs");
        Assert.Equal("both of ann's tabs", await annOnA.ReceiveTextAsync());
        Assert.Equal("both of ann's tabs", await annOnB.ReceiveTextAsync());

        var cyId = (await cyOnA.CommandAsync("id"))[3..];
        await benOnB.SendTextAsync($"to {cyId} just cy, from the other server");
        Assert.Equal("just cy, from the other server", await cyOnA.ReceiveTextAsync());

        await annOnB.SendTextAsync("all everyone");
        foreach (var socket in new[] { annOnA, annOnB, benOnB, cyOnA }) Assert.Equal("everyone", await socket.ReceiveTextAsync());

        await annOnB.SendTextAsync("others everyone else");
        foreach (var socket in new[] { annOnA, benOnB, cyOnA }) Assert.Equal("everyone else", await socket.ReceiveTextAsync());

        // Nothing arrived twice: the next thing each one reads is the answer to its own command.
        foreach (var socket in new[] { annOnA, annOnB, benOnB, cyOnA }) Assert.Equal("ok", await socket.CommandAsync("ok"));
        Assert.Equal("count 4", await cyOnA.CommandAsync("count"));
    }

    [Fact]
    public async Task ShardedPubSubCarriesGroupUserAndConnectionSends()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, o => o.UseShardedPubSub = true);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, o => o.UseShardedPubSub = true);
        using var ann = await a.ConnectAsync("ann", "room");
        using var ben = await b.ConnectAsync("ben", "room");
        await WaitForMembersAsync(ann, "room", "ann,ben");

        await ann.SendTextAsync("group room sharded");
        Assert.Equal("sharded", await ann.ReceiveTextAsync());
        Assert.Equal("sharded", await ben.ReceiveTextAsync());
        await ann.SendTextAsync("user ben to ben");
        Assert.Equal("to ben", await ben.ReceiveTextAsync());
        var annId = (await ann.CommandAsync("id"))[3..];
        await ben.SendTextAsync($"to {annId} to ann");
        Assert.Equal("to ann", await ann.ReceiveTextAsync());
        Assert.Equal("join True", await ben.CommandAsync($"join {annId} other"));

        // The channels really are shard channels (SSUBSCRIBE), and no plain ones of this app exist.
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var server = admin.GetServers()[0];
        var sharded = ((StackExchange.Redis.RedisResult[])(await server.ExecuteAsync("PUBSUB", "SHARDCHANNELS", _prefix + ":*"))!).Select(r => r.ToString()).ToList();
        var plain = ((StackExchange.Redis.RedisResult[])(await server.ExecuteAsync("PUBSUB", "CHANNELS", _prefix + ":*"))!).Select(r => r.ToString()).ToList();
        Assert.Contains(sharded, c => c.EndsWith(":g:room", StringComparison.Ordinal));
        Assert.Empty(plain);
    }

    [Fact]
    public async Task MessagesFromOneSenderToAGroupArriveInSendOrderOnEveryServer()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        await using var c = await Node.StartAsync(_redis, _prefix, "c", _clock);
        using var sender = await a.ConnectAsync("sender");
        using var onB = await b.ConnectAsync("b1", "feed");
        using var onC = await c.ConnectAsync("c1", "feed");
        await WaitForMembersAsync(sender, "feed", "b1,c1");

        for (var i = 0; i < 500; i++) await sender.SendTextAsync($"group feed {i}");
        foreach (var receiver in new[] { onB, onC })
        {
            for (var i = 0; i < 500; i++) Assert.Equal(i.ToString(), await receiver.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task AConnectionOnAnotherServerJoinsAndLeavesAGroupByIdWithAnAnswer()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var admin = await a.ConnectAsync("admin");
        using var dee = await b.ConnectAsync("dee");
        var deeId = (await dee.CommandAsync("id"))[3..];
        Assert.StartsWith("b/", deeId);
        await WaitForAsync(admin, "users", "users admin,dee");

        Assert.Equal("join True", await admin.CommandAsync($"join {deeId} vip"));
        Assert.Equal("join False", await admin.CommandAsync($"join {deeId} vip")); // already a member
        await WaitForMembersAsync(admin, "vip", "dee");
        await admin.SendTextAsync("group vip welcome");
        Assert.Equal("welcome", await dee.ReceiveTextAsync());

        Assert.Equal("leave True", await admin.CommandAsync($"leave {deeId} vip"));
        await WaitForMembersAsync(admin, "vip", "");
        Assert.Equal("join False", await admin.CommandAsync("join b/no-such-connection vip"));
        Assert.Equal("join False", await admin.CommandAsync("join gone/abc vip")); // no such server
    }

    [Fact]
    public async Task AServerThatDiesWithoutAGoodbyeLeavesPresenceWhenItsHeartbeatExpires()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "room");
        var ben = await b.ConnectAsync("ben", "room");
        await WaitForMembersAsync(ann, "room", "ann,ben");

        await b.CrashAsync();
        ben.Dispose();
        Assert.Equal("who ann,ben", await ann.CommandAsync("who room")); // still listed: nobody said goodbye

        _clock.Advance(TimeSpan.FromSeconds(16)); // past the default 15 s expiry; a's own heartbeat renews it
        await WaitForMembersAsync(ann, "room", "ann");
        await WaitForAsync(ann, "users", "users ann");
    }

    [Fact]
    public async Task AServerStoppedGracefullyLeavesPresenceAtOnce()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann");
        using var ben = await b.ConnectAsync("ben");
        await WaitForAsync(ann, "users", "users ann,ben");
        // Reading, so it sees the server's 1001 and answers it, as a browser does.
        var benAnswersTheClose = Task.Run(async () =>
        {
            await ben.ReceiveAsync(new byte[256], CancellationToken.None);
            await ben.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);
        });
        await b.DisposeAsync();
        await benAnswersTheClose;
        await WaitForAsync(ann, "users", "users ann");
    }

    [Fact]
    public async Task ASlowClientOnOneServerDoesNotDelayTheOthers()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, outboxCapacity: 16);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, outboxCapacity: 16);
        using var sender = await a.ConnectAsync("sender");
        using var stalled = await b.ConnectAsync("stalled", "room"); // never reads
        using var reader = await b.ConnectAsync("reader", "room");
        using var readerOnA = await a.ConnectAsync("readerA", "room");
        await WaitForMembersAsync(sender, "room", "reader,readerA,stalled");

        // 1,000 × 16 KiB: far more than the stalled client's socket buffers hold. Each message reaches both readers,
        // on either server, before the next is sent: the stalled member's full outbox never holds them up.
        var filler = new string('x', 16 * 1024);
        for (var i = 0; i < 1000; i++)
        {
            await sender.SendTextAsync($"group room {i} {filler}");
            foreach (var socket in new[] { reader, readerOnA })
            {
                var text = await socket.ReceiveTextAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(i.ToString(), text[..text.IndexOf(' ')]);
            }
        }
        Assert.Equal("who reader,readerA,stalled", await sender.CommandAsync("who room")); // dropped messages, not a dropped member
    }

    private static Task WaitForMembersAsync(ClientWebSocket socket, string group, string users)
        => WaitForAsync(socket, "who " + group, "who " + users);

    private static Task WaitForAsync(ClientWebSocket socket, string command, string expected)
        => Eventually.WaitUntilAsync(async () => await socket.CommandAsync(command) == expected, $"'{command}' to answer '{expected}'");
}
