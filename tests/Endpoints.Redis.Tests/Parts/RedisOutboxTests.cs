using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>The outbox on its own: one writer in order; while Redis is away it buffers up to its bound and counts the rest.</summary>
public sealed class RedisOutboxTests : IAsyncLifetime
{
    private const int Dropped = 3;
    private readonly string _prefix = "o" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task MessagesGoOutInTheOrderTheyWereSent()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a");
        var outbox = new RedisOutbox(part.Connection, part.Options, part.Log, part.Time, part.Stopping);
        part.Run(outbox.LoopAsync, "send");
        await using var admin = await Admin.ConnectAsync(_redis);
        var channel = part.Names.NodeChannel("b");
        var queue = await admin.GetSubscriber().SubscribeAsync(channel);

        for (var i = 0; i < 500; i++) outbox.Send(channel, BitConverter.GetBytes(i));

        for (var i = 0; i < 500; i++) Assert.Equal(i, BitConverter.ToInt32((byte[])(await queue.ReadAsync().AsTask().WaitAsync(Client.Timeout)).Message!));
        Assert.Equal(0, outbox.Buffered);
        Assert.Equal(0, outbox.Dropped);
    }

    [Fact]
    public async Task WhileRedisIsAwayMessagesWaitUpToTheBoundAndGoOutInOrderAfterTheGraceTheRestDroppedAndCounted()
    {
        var clock = new FakeTimeProvider();
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a", clock, o => o.OutageBufferCapacity = 5);
        var outbox = new RedisOutbox(part.Connection, part.Options, part.Log, clock, part.Stopping);
        part.Run(outbox.LoopAsync, "send");
        await using var admin = await Admin.ConnectAsync(_redis);
        var channel = part.Names.NodeChannel("b");
        var queue = await admin.GetSubscriber().SubscribeAsync(channel);

        _redis.Stop();
        await Eventually.WaitUntilAsync(() => Task.FromResult(!part.Connection.IsConnected), "the connection to see Redis gone");
        for (var i = 0; i < 8; i++) outbox.Send(channel, [(byte)i]);
        Assert.Equal(8, outbox.Buffered);
        Assert.Equal(3, outbox.Dropped);
        Assert.Equal(3, part.Log.Count(Dropped));
        Assert.Contains("(5 messages)", part.Log.Entries.First(e => e.EventId == Dropped).Message, StringComparison.Ordinal);

        await _redis.RestartAsync();
        // The receiver is back before the grace ends (the clock only moves once it is), so nothing buffered is lost.
        await Eventually.WaitUntilAsync(async () => admin.IsConnected && await admin.SubscribersAsync(channel) == 1, "the receiver to subscribe again", seconds: 30);
        var reading = Task.Run(async () =>
        {
            var received = new List<byte>();
            for (var i = 0; i < 5; i++) received.Add(((byte[])(await queue.ReadAsync()).Message!)[0]);
            return received;
        });
        await Eventually.WaitUntilAsync(() =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            return Task.FromResult(reading.IsCompleted);
        }, "the buffered messages", seconds: 30);
        Assert.Equal([0, 1, 2, 3, 4], await reading);

        // The dropped ones do not follow: the next message sent is the next one received.
        outbox.Send(channel, [99]);
        Assert.Equal(99, ((byte[])(await queue.ReadAsync().AsTask().WaitAsync(Client.Timeout)).Message!)[0]);
        Assert.Equal(8, outbox.Buffered);
    }
}
