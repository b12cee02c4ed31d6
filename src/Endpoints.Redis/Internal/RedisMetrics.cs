using System.Diagnostics.Metrics;

namespace Endpoints.Redis;

/// <summary>The backplane's meter: one for the process, whichever part counts.</summary>
internal static class RedisMetrics
{
    private static readonly Meter s_meter = new("Endpoints.Redis");

    public static readonly Counter<long> Buffered = s_meter.CreateCounter<long>("endpoints.redis.messages.buffered", "{message}", "Messages for other servers that waited for Redis to come back.");

    public static readonly Counter<long> Dropped = s_meter.CreateCounter<long>("endpoints.redis.messages.dropped", "{message}", "Messages for other servers dropped because the outage buffer was full.");

    public static readonly Counter<long> Reconnects = s_meter.CreateCounter<long>("endpoints.redis.reconnects", "{reconnect}", "Times the connection to Redis came back.");
}
