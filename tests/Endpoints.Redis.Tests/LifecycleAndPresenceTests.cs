using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>
/// A connection's life with a real Redis behind it (review: lifecycle, S3, S7): a client that leaves while the backplane
/// takes its registration is released everywhere, presence answers from counts and from the asked group's fields only,
/// and client-chosen names cannot pick a channel's hash slot.
/// </summary>
public sealed class LifecycleAndPresenceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly string _prefix = "l" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task AClientThatLeavesWhileTheBackplaneAppliesItsRegistrationIsReleasedFromRegistryAndPresence()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ben = await b.ConnectAsync("ben", "room");

        // Redis answers nothing for a while: the new connection's subscription (its user's channel) waits.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "3000", "WRITE");
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        using (var zed = new TcpClient())
        {
            await zed.ConnectAsync(a.Address.Host, a.Address.Port);
            var stream = zed.GetStream();
            var request = $"GET /cluster?user=zed&groups=room HTTP/1.1\r\nHost: {a.Address.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                          $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            var response = new byte[1024];
            var read = await stream.ReadAsync(response);
            Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(response, 0, read));
            // And gone, with a reset, while the server still waits for Redis.
            zed.Client.LingerState = new LingerOption(true, 0);
        }

        // Once Redis answers again, nothing of zed is left: not on its server, not in presence.
        using var ann = await a.ConnectAsync("ann", "room");
        await Eventually.WaitUntilAsync(async () => await ann.CommandAsync("count") == "count 2", "the count to be ann and ben only");
        await Eventually.WaitUntilAsync(async () => await ben.CommandAsync("users") == "users ann,ben", "presence to list ann and ben only");
        Assert.Equal("who ann,ben", await ben.CommandAsync("who room"));
    }

    [Fact]
    public async Task ANewConnectionOpensWhileRedisStillHoldsPresenceWritesBack()
    {
        // Review S2: presence writes, heartbeats and subscriptions were one serial queue, and every new connection
        // waited for all of it before OnOpen. Now it waits for its subscriptions only.
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        using var warm = await a.ConnectAsync("warm", "room");
        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        var presence = admin.GetDatabase();
        RedisKey key = $"{_prefix}:Endpoints.Redis.Tests.ClusterEndpoint:n:a";
        var warmId = (await warm.CommandAsync("id"))[3..];
        await Eventually.WaitUntilAsync(() => presence.HashExistsAsync(key, "c\t" + warmId), "the first connection's presence");

        // Writes wait in Redis (HSET, EXPIRE), subscriptions do not.
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "5000", "WRITE");
        using var zoe = await a.ConnectAsync("zoe", "lounge");
        var zoeId = (await zoe.CommandAsync("id"))[3..];
        Assert.False(await presence.HashExistsAsync(key, "c\t" + zoeId), "zoe's OnOpen ran while her presence write was still held back");
        await Eventually.WaitUntilAsync(() => presence.HashExistsAsync(key, "c\t" + zoeId), "zoe's presence once writes go on");
    }

    [Fact]
    public async Task CountsAndGroupListsSpanTheServersAndAGroupNameIsMatchedLiterally()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "r*m,room");
        using var amy = await a.ConnectAsync("amy", "room");
        using var ben = await b.ConnectAsync("ben", "room");

        await Eventually.WaitUntilAsync(async () => await ben.CommandAsync("count") == "count 3", "three connections counted from b");
        Assert.Equal("members 3", await ben.CommandAsync("members room"));
        Assert.Equal("members 1", await ben.CommandAsync("members r*m"));
        // A group name with glob characters lists its own members only, not every group it would match as a pattern.
        Assert.Equal("who ann", await ben.CommandAsync("who r*m"));
        Assert.Equal("who amy,ann,ben", await ben.CommandAsync("who room"));

        amy.Abort();
        await Eventually.WaitUntilAsync(async () => await ben.CommandAsync("members room") == "members 2", "amy's leave to be counted");
        Assert.Equal("count 2", await ben.CommandAsync("count"));
    }

    [Fact]
    public async Task PresenceQueriesReadWhatTheyAnswerNotTheOtherServersWholePresence()
    {
        // Review S3: every count or list read every other server's whole presence hash (HGETALL).
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "room");
        // One connection on b in 600 groups: 600 fields of b's presence that a count of "room" has nothing to do with.
        using var ben = await b.ConnectAsync("ben", "room," + string.Join(",", Enumerable.Range(0, 600).Select(i => "g" + i)));
        Assert.Equal("ok", await ben.CommandAsync("ok")); // answered after OnOpen, which joins the groups
        await Eventually.WaitUntilAsync(async () => await ann.CommandAsync("members g599") == "members 1", "ben's memberships in presence");

        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        var server = admin.GetServers()[0];
        foreach (var query in new[] { "members room", "count", "who room" })
        {
            var before = await NetOutputAsync(server);
            await ann.CommandAsync(query);
            var sent = await NetOutputAsync(server) - before;
            Assert.True(sent < 8 * 1024, $"'{query}': Redis sent {sent} bytes (b holds 600 memberships)");
        }
        Assert.Equal("who ann,ben", await ann.CommandAsync("who room"));

        static async Task<long> NetOutputAsync(IServer server)
        {
            var stats = await server.InfoAsync("stats");
            return long.Parse(stats.SelectMany(g => g).First(p => p.Key == "total_net_output_bytes").Value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task AGroupNameCannotPickItsChannelsHashSlot()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, o => o.UseShardedPubSub = true);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock, o => o.UseShardedPubSub = true);
        using var ann = await a.ConnectAsync("ann", "{slot}");
        using var ben = await b.ConnectAsync("ben", "{slot}");
        using var cy = await b.ConnectAsync("cy", "%257Bslot%257D"); // the group "%7Bslot%7D", escaped in the URL
        await Eventually.WaitUntilAsync(async () => await ann.CommandAsync("who {slot}") == "who ann,ben", "both servers in {slot}");

        await ann.SendTextAsync("group {slot} braced");
        Assert.Equal("braced", await ann.ReceiveTextAsync());
        Assert.Equal("braced", await ben.ReceiveTextAsync());
        Assert.Equal("ok", await cy.CommandAsync("ok")); // the escaped-looking name is another group

        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var channels = ((RedisResult[])(await admin.GetServers()[0].ExecuteAsync("PUBSUB", "SHARDCHANNELS", _prefix + ":*"))!).Select(r => r.ToString()).ToList();
        Assert.Contains(channels, c => c.EndsWith(":g:%7Bslot%7D", StringComparison.Ordinal));
        Assert.DoesNotContain(channels, c => c.Contains('{'));
    }
}
