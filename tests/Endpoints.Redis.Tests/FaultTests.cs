using System.Net.WebSockets;
using Endpoints.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>Redis goes away, comes back empty, or forgets everything: connections stay and delivery resumes.</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly string _prefix = "f" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task WhileRedisIsDownLocalDeliveryAndNewConnectionsWorkAndBufferedMessagesArriveInOrderOnceAfterItReturns()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "room");
        using var ben = await b.ConnectAsync("ben", "room");
        await WaitForAsync(ann, "who room", "who ann,ben");

        _redis.Stop();
        await Eventually.WaitUntilAsync(async () => (await HealthAsync(a)).Status == HealthStatus.Degraded, "the health check to see Redis gone");
        for (var i = 0; i < 20; i++) await ann.SendTextAsync($"group room buffered {i}");
        for (var i = 0; i < 20; i++) Assert.Equal($"buffered {i}", await ann.ReceiveTextAsync()); // this server's members at once
        using var late = await a.ConnectAsync("late", "room"); // a new connection while Redis is away
        Assert.Equal("ok", await late.CommandAsync("ok"));
        Assert.Equal(WebSocketState.Open, ben.State);

        await _redis.RestartAsync();
        // The buffered messages go out after the resubscribe grace, on the fake clock: move it along while waiting.
        var received = new List<string>();
        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) received.Add(await ben.ReceiveTextAsync(TimeSpan.FromSeconds(30)));
        });
        await Eventually.WaitUntilAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            return Task.FromResult(reading.IsCompleted);
        }, "the buffered messages on the other server", seconds: 30);
        await reading;
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"buffered {i}"), received);
        Assert.Equal("ok", await ben.CommandAsync("ok")); // and nothing twice

        // Delivery flows again, and presence was rebuilt in the restarted (empty) Redis.
        await WaitForAsync(ben, "who room", "who ann,ben,late");
        await ann.SendTextAsync("group room after");
        Assert.Equal("after", await ben.ReceiveTextAsync());
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(a)).Status);
    }

    [Fact]
    public async Task WhenRedisLosesItsDataEveryServerWritesItsPresenceAgain()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "room");
        using var ben = await b.ConnectAsync("ben", "room");
        await WaitForAsync(ann, "who room", "who ann,ben");

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServers()[0].FlushAllDatabasesAsync();
        }
        Assert.Equal("who ann", await ann.CommandAsync("who room")); // forgotten...

        _clock.Advance(TimeSpan.FromSeconds(5)); // ...until the next heartbeat finds this server unknown and writes it all again
        await WaitForAsync(ann, "who room", "who ann,ben");
        await WaitForAsync(ben, "users", "users ann,ben");
    }

    [Fact]
    public async Task WhenTheBufferIsFullFurtherMessagesAreDroppedAndCounted()
    {
        await using var a = await Node.StartAsync(_redis, _prefix, "a", _clock, o => o.OutageBufferCapacity = 5);
        await using var b = await Node.StartAsync(_redis, _prefix, "b", _clock);
        using var ann = await a.ConnectAsync("ann", "room");
        using var ben = await b.ConnectAsync("ben", "room");
        await WaitForAsync(ann, "who room", "who ann,ben");

        _redis.Stop();
        await Eventually.WaitUntilAsync(async () => (await HealthAsync(a)).Status == HealthStatus.Degraded, "Redis gone");
        for (var i = 0; i < 12; i++) await ann.SendTextAsync($"group room {i}");
        for (var i = 0; i < 12; i++) Assert.Equal(i.ToString(), await ann.ReceiveTextAsync());
        var health = await HealthAsync(a);
        Assert.Equal(7L, health.Entries["endpoints-redis"].Data["dropped"]);
    }

    private static async Task<HealthReport> HealthAsync(Node node)
        => await node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private static Task WaitForAsync(ClientWebSocket socket, string command, string expected)
        => Eventually.WaitUntilAsync(async () => await socket.CommandAsync(command) == expected, $"'{command}' to answer '{expected}'");
}
