using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// What this server publishes to the others, in order, by one writer. While Redis is away messages wait here, up to
/// <see cref="RedisBackplaneOptions.OutageBufferCapacity"/>; beyond that they are dropped and counted, never waited for.
/// </summary>
internal sealed class RedisOutbox
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly int _capacity;
    private readonly TimeSpan _resubscribeGrace;
    private readonly Channel<(RedisChannel Channel, byte[] Payload, Action<IDatabase>? Write)> _messages;
    private long _buffered, _dropped;

    public RedisOutbox(RedisConnection connection, RedisBackplaneOptions options, ILogger logger, TimeProvider time, CancellationToken stopping)
    {
        _connection = connection;
        _logger = logger;
        _time = time;
        _stopping = stopping;
        _capacity = options.OutageBufferCapacity;
        _resubscribeGrace = options.ResubscribeGrace;
        _messages = Channel.CreateBounded<(RedisChannel, byte[], Action<IDatabase>?)>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller counts the drop
        });
    }

    /// <summary>Messages sent while Redis was away.</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    /// <summary>Messages dropped because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Send(RedisChannel channel, byte[] payload) => Send(channel, payload, null);

    /// <summary>A write other than a publish (a script), in order with the publishes; fire-and-forget as they are.</summary>
    public void Send(Action<IDatabase> write) => Send(default, [], write);

    private void Send(RedisChannel channel, byte[] payload, Action<IDatabase>? write)
    {
        if (!_connection.IsConnected)
        {
            Interlocked.Increment(ref _buffered);
            RedisMetrics.Buffered.Add(1);
        }
        if (_messages.Writer.TryWrite((channel, payload, write))) return;
        Interlocked.Increment(ref _dropped);
        RedisMetrics.Dropped.Add(1);
        RedisLog.Dropped(_logger, _capacity);
    }

    /// <summary>No more sends: the loop ends once it has sent what is left (or the backplane stops).</summary>
    public void Complete() => _messages.Writer.TryComplete();

    /// <summary>One writer, in order: a message waits here while Redis is away, then goes out after those before it.</summary>
    public async Task LoopAsync()
    {
        var reader = _messages.Reader;
        while (await reader.WaitToReadAsync(_stopping).ConfigureAwait(false))
        {
            while (reader.TryPeek(out var item))
            {
                if (!_connection.IsConnected)
                {
                    await _connection.WaitForConnectionAsync().ConfigureAwait(false);
                    // The other servers reconnect (and re-subscribe) on their own schedule: give them a moment, or
                    // what waited for Redis would go to channels nobody listens to yet.
                    await Task.Delay(_resubscribeGrace, _time, _stopping).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    // Fire-and-forget keeps the order (one connection, pipelined) without a round trip per message.
                    if (item.Write is { } write) write(_connection.Redis.GetDatabase());
                    else _connection.Redis.GetSubscriber().Publish(item.Channel, item.Payload, CommandFlags.FireAndForget);
                    reader.TryRead(out _);
                }
                catch (RedisConnectionException)
                {
                    await _connection.WaitForConnectionAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
