using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>The connection on its own: it starts without Redis, survives a restart, and keeps its loops running.</summary>
public sealed class RedisConnectionTests : IAsyncLifetime
{
    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task StartsWithoutRedisAndSubscribesOnceItComes()
    {
        _redis.Stop();
        await using var part = Part.NotConnected(_redis, _prefix, "a");
        var channel = part.Names.NodeChannel("a");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connecting = part.Connection.ConnectAsync(
            async () => await part.Connection.SubscribeWhenConnectedAsync(channel, message => received.TrySetResult((string)message.Message!)),
            static () => { });
        var waiting = part.Connection.WaitForConnectionAsync();

        await _redis.RestartAsync();

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        await connecting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(part.Connection.IsConnected);
        await using var admin = await Admin.ConnectAsync(_redis);
        await admin.GetSubscriber().PublishAsync(channel, "hello");
        Assert.Equal("hello", await received.Task.WaitAsync(Client.Timeout));
    }

    [Fact]
    public async Task SurvivesARestartCountsTheReconnectAndKeepsItsSubscription()
    {
        await using var part = Part.NotConnected(_redis, _prefix, "a");
        var channel = part.Names.NodeChannel("a");
        var messages = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await part.Connection.ConnectAsync(
            async () => await part.Connection.SubscribeWhenConnectedAsync(channel, message => messages.Writer.TryWrite((string)message.Message!)),
            () => restored.TrySetResult());
        Assert.Equal(0, part.Connection.Reconnects);

        _redis.Stop();
        await Eventually.WaitUntilAsync(() => Task.FromResult(!part.Connection.IsConnected), "the connection to see Redis gone");
        await _redis.RestartAsync();

        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await part.Connection.WaitForConnectionAsync().WaitAsync(Client.Timeout);
        Assert.Equal(1, part.Connection.Reconnects);
        Assert.Equal(1, part.Log.Count(2)); // ConnectionRestored
        Assert.True(part.Log.Count(1) >= 1); // ConnectionLost
        // The multiplexer subscribes again on its own once it is back.
        await using var admin = await Admin.ConnectAsync(_redis);
        await Eventually.WaitUntilAsync(async () => await admin.SubscribersAsync(channel) == 1, "the subscription after the restart");
        await admin.GetSubscriber().PublishAsync(channel, "after");
        Assert.Equal("after", await messages.Reader.ReadAsync().AsTask().WaitAsync(Client.Timeout));
    }

    [Fact]
    public async Task ALoopThatFailsIsLoggedAndStartedAgainAfterAPause()
    {
        var clock = new FakeTimeProvider();
        await using var part = Part.NotConnected(_redis, _prefix, "a", clock);
        var calls = 0;
        var running = part.Connection.KeepRunningAsync(() =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("first run");
            return Task.CompletedTask;
        }, "test");

        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.False(running.IsCompleted); // pausing, on the injected clock
        Assert.Contains(part.Log.Entries, e => e.EventId == 11 && e.Message.Contains("test", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromSeconds(1));
        await running.WaitAsync(Client.Timeout);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task ALoopCancelledBecauseTheBackplaneStopsEndsWithoutBeingStartedAgain()
    {
        var part = Part.NotConnected(_redis, _prefix, "a", new FakeTimeProvider());
        var calls = 0;
        var stopping = part.Stopping;
        var running = part.Connection.KeepRunningAsync(async () =>
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(Timeout.Infinite, stopping);
        }, "test");

        await part.DisposeAsync(); // cancels

        await running.WaitAsync(Client.Timeout);
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal(0, part.Log.Count(11));
    }
}
