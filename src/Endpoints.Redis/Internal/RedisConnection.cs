using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// The one connection to Redis and waiting for it: the backplane starts without Redis and connects when it comes; the
/// multiplexer reconnects on its own, and the loops wait here until it has. Also runs those loops, again after a
/// failure, until the backplane stops.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionMultiplexer? _redis;
    private long _reconnects;

    public RedisConnection(RedisBackplaneOptions options, ILogger logger, TimeProvider time, CancellationToken stopping)
    {
        _logger = logger;
        _time = time;
        _stopping = stopping;
        _configuration = ConfigurationOptions.Parse(options.Configuration);
        _configuration.AbortOnConnectFail = false; // start without Redis, connect when it comes
        options.ConfigureRedis?.Invoke(_configuration);
    }

    /// <summary>Between tries of what Redis failed, so a failing command does not spin.</summary>
    public static TimeSpan RetryPause { get; } = TimeSpan.FromMilliseconds(200);

    public bool IsConnected => _redis?.IsConnected == true;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>The multiplexer; only once <see cref="IsConnected"/> was seen (or a command fails, as it would anyway).</summary>
    public ConnectionMultiplexer Redis => _redis ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected to Redis yet.");

    /// <summary>
    /// Connects (or starts trying to: it returns without Redis too). <paramref name="connected"/> runs before anything
    /// waiting for the connection goes on, <paramref name="restored"/> each time it comes back, before the same.
    /// </summary>
    public async Task ConnectAsync(Func<Task> connected, Action restored)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) RedisLog.ConnectionLost(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        };
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive) return;
            Interlocked.Increment(ref _reconnects);
            RedisMetrics.Reconnects.Add(1);
            RedisLog.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
            restored();
            SignalConnected();
        };
        _redis = redis;
        await connected().ConfigureAwait(false);
        SignalConnected();
    }

    /// <summary>Subscribes once Redis is there, waiting (and trying again) as long as it takes.</summary>
    public async Task<ChannelMessageQueue> SubscribeWhenConnectedAsync(RedisChannel channel, Action<ChannelMessage> onMessage)
    {
        while (true)
        {
            await WaitForConnectionAsync().ConfigureAwait(false);
            try
            {
                var queue = await _redis!.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
                queue.OnMessage(onMessage);
                return queue;
            }
            catch (RedisConnectionException)
            {
                // lost again: wait for it
            }
        }
    }

    public async Task WaitForConnectionAsync()
    {
        while (!IsConnected)
        {
            _stopping.ThrowIfCancellationRequested();
            try
            {
                await Volatile.Read(ref _connectedSignal).Task.WaitAsync(TimeSpan.FromMilliseconds(250), _time, _stopping).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // look again: the multiplexer reconnects on its own
            }
        }
    }

    /// <summary>Runs a loop again after a failure it did not expect (logged), until the backplane stops.</summary>
    public async Task KeepRunningAsync(Func<Task> loop, string name)
    {
        while (true)
        {
            try
            {
                await loop().ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                RedisLog.LoopFailed(_logger, exception, name);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, _stopping).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private void SignalConnected() => Interlocked.Exchange(ref _connectedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
