using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>How the servers of one app share their WebSocket connections through Redis.</summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>localhost:6379</c> or <c>redis1:6379,password=…</c>.</summary>
    public string Configuration { get; set; } = "localhost:6379";

    /// <summary>Changes the parsed configuration (TLS, timeouts, …) before connecting.</summary>
    public Action<ConfigurationOptions>? ConfigureRedis { get; set; }

    /// <summary>Starts every channel and key name, so that several apps can share one Redis. Default <c>endpoints</c>.</summary>
    public string ChannelPrefix { get; set; } = "endpoints";

    /// <summary>This server's id among the servers of the app; it prefixes connection ids. Default: machine name, process id and a random suffix.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";

    /// <summary>
    /// Uses Redis 7's sharded pub/sub (<c>SSUBSCRIBE</c> / <c>SPUBLISH</c>): on Redis Cluster a message then goes only
    /// to the shard that owns its channel instead of every node of the cluster. Default false.
    /// </summary>
    public bool UseShardedPubSub { get; set; }

    /// <summary>
    /// How many messages for other servers are kept while Redis is unreachable; they go out in order when it is
    /// back. Beyond this, new ones are dropped and counted. Default 10,000.
    /// </summary>
    public int OutageBufferCapacity { get; set; } = 10_000;

    /// <summary>
    /// How long after Redis comes back this server waits before sending what it buffered, so that the other servers
    /// have re-subscribed and receive it. Default 2 seconds.
    /// </summary>
    public TimeSpan ResubscribeGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often this server renews its presence in Redis. Default 5 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after its last heartbeat a server that died without a goodbye still shows in presence. Default 15 seconds.</summary>
    public TimeSpan NodeExpiry { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a group change for another server's connection waits for that server's answer. Default 5 seconds.</summary>
    public TimeSpan GroupChangeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Configuration)) yield return "Configuration (the Redis connection string) is empty.";
        if (string.IsNullOrEmpty(ChannelPrefix)) yield return "ChannelPrefix is empty.";
        if (string.IsNullOrEmpty(NodeId) || NodeId.Contains('/')) yield return $"NodeId '{NodeId}' must be non-empty and must not contain '/'.";
        if (OutageBufferCapacity <= 0) yield return $"OutageBufferCapacity must be greater than zero (it is {OutageBufferCapacity}).";
        if (HeartbeatInterval <= TimeSpan.Zero) yield return $"HeartbeatInterval must be positive (it is {HeartbeatInterval}).";
        if (NodeExpiry <= HeartbeatInterval) yield return $"NodeExpiry ({NodeExpiry}) must be longer than HeartbeatInterval ({HeartbeatInterval}).";
        if (ResubscribeGrace < TimeSpan.Zero) yield return $"ResubscribeGrace must not be negative (it is {ResubscribeGrace}).";
        if (GroupChangeTimeout <= TimeSpan.Zero) yield return $"GroupChangeTimeout must be positive (it is {GroupChangeTimeout}).";
    }
}
