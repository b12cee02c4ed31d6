using Endpoints.Scaleout;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>One part of the backplane on its own: options for a private Redis, a connection to it, and its loops.</summary>
internal sealed class Part : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    private Part(RedisBackplaneOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        Connection = new RedisConnection(options, Log, time, _stopping.Token);
    }

    public RedisBackplaneOptions Options { get; }

    public TimeProvider Time { get; }

    public RedisConnection Connection { get; }

    public RecordingLogger Log { get; } = new();

    public RedisNames Names => new(Options);

    public CancellationToken Stopping => _stopping.Token;

    public static RedisBackplaneOptions OptionsFor(RedisServer redis, string prefix, string node, Action<RedisBackplaneOptions>? configure = null)
    {
        var options = new RedisBackplaneOptions { Configuration = redis.Configuration, ChannelPrefix = prefix, NodeId = node };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A part whose connection is up (the caller starts the part's own loops with <see cref="Run"/>).</summary>
    public static async Task<Part> ConnectedAsync(RedisServer redis, string prefix, string node, TimeProvider? time = null, Action<RedisBackplaneOptions>? configure = null)
    {
        var part = new Part(OptionsFor(redis, prefix, node, configure), time ?? TimeProvider.System);
        await part.Connection.ConnectAsync(static () => Task.CompletedTask, static () => { });
        await part.Connection.WaitForConnectionAsync().WaitAsync(Client.Timeout);
        return part;
    }

    /// <summary>A part whose connection is not made yet: the test connects when it wants to.</summary>
    public static Part NotConnected(RedisServer redis, string prefix, string node, TimeProvider? time = null, Action<RedisBackplaneOptions>? configure = null)
        => new(OptionsFor(redis, prefix, node, configure), time ?? TimeProvider.System);

    public void Run(Func<Task> loop, string name) => _loops.Add(Task.Run(() => Connection.KeepRunningAsync(loop, name)));

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(Client.Timeout);
        }
        catch (OperationCanceledException)
        {
        }
        await Connection.DisposeAsync();
        _stopping.Dispose();
    }
}

/// <summary>Redis as a test sees it from outside the part: an admin connection.</summary>
internal static class Admin
{
    public static Task<ConnectionMultiplexer> ConnectAsync(RedisServer redis)
        => ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true,abortConnect=false");

    /// <summary>How many clients Redis has subscribed to the channel.</summary>
    public static Task<long> SubscribersAsync(this ConnectionMultiplexer admin, RedisChannel channel)
        => admin.GetServers()[0].SubscriptionSubscriberCountAsync(channel);

    public static Task<long[]> SubscribersAsync(this ConnectionMultiplexer admin, params RedisChannel[] channels)
        => Task.WhenAll(channels.Select(admin.SubscribersAsync));

    /// <summary>How often Redis ran a command since it started (INFO commandstats).</summary>
    public static async Task<long> CallsAsync(this ConnectionMultiplexer admin, string command)
    {
        var info = (string)(await admin.GetServers()[0].ExecuteAsync("INFO", "commandstats"))!;
        var line = info.Split('\n').Select(static l => l.Trim()).FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:calls=", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(':')[1].Split(',')[0]["calls=".Length..]);
    }
}

/// <summary>Keeps what was logged, to assert that a part said what it should.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(int EventId, string Message)> _entries = [];

    public IReadOnlyList<(int EventId, string Message)> Entries
    {
        get
        {
            lock (_entries) return [.. _entries];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add((eventId.Id, formatter(state, exception)));
    }

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);
}

/// <summary>A server's side of the backplane without a server: records group changes, holds a fixed snapshot.</summary>
internal sealed class FakeHost(params string[] connections) : IWebSocketBackplaneHost
{
    public List<(string Endpoint, string ConnectionId, string Group, bool Join)> GroupChanges { get; } = [];

    public IReadOnlyList<BackplaneConnection> Connections { get; set; } = [];

    public WebSocketFanOutResult Deliver(BackplaneMessage message) => default;

    public WebSocketFanOutResult DeliverNumbered(BackplaneMessage message, string stream, string epoch, long offset) => default;

    public bool ChangeGroup(string endpoint, string connectionId, string group, bool join)
    {
        lock (GroupChanges) GroupChanges.Add((endpoint, connectionId, group, join));
        return connections.Contains(connectionId);
    }

    public IReadOnlyList<BackplaneConnection> Snapshot() => Connections;

    public void SessionResumedElsewhere(string endpoint, string sessionId)
    {
    }
}
