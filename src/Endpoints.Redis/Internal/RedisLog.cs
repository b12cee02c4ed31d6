using Microsoft.Extensions.Logging;

namespace Endpoints.Redis;

/// <summary>What the Redis backplane logs, every part of it, under one category.</summary>
internal static partial class RedisLog
{
    /// <summary>The category the backplane has always logged under (log filters name it), whichever part writes.</summary>
    public const string Category = "Endpoints.Redis.RedisBackplane";

    [LoggerMessage(1, LogLevel.Warning, "Lost the connection to Redis at {EndPoint} ({Failure}); this server's connections still work, messages for other servers are buffered.")]
    public static partial void ConnectionLost(ILogger logger, string endPoint, string failure);

    [LoggerMessage(2, LogLevel.Information, "Reconnected to Redis at {EndPoint}; buffered messages go out now.")]
    public static partial void ConnectionRestored(ILogger logger, string endPoint);

    [LoggerMessage(3, LogLevel.Warning, "A message for other servers was dropped: the outage buffer ({Capacity} messages) is full.")]
    public static partial void Dropped(ILogger logger, int capacity);

    [LoggerMessage(4, LogLevel.Information, "Wrote this server's presence to Redis again ({Connections} connections).")]
    public static partial void PresenceRewritten(ILogger logger, int connections);

    [LoggerMessage(5, LogLevel.Warning, "Could not read other servers' presence from Redis; answering with this server's only.")]
    public static partial void PresenceUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "A Redis command for interest, presence or the heartbeat failed; it is tried again.")]
    public static partial void ControlFailed(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Ignored a message on {Channel} that is not in the Endpoints format.")]
    public static partial void BadMessage(ILogger logger, string channel);

    [LoggerMessage(8, LogLevel.Warning, "Could not remove this server from presence on shutdown; it expires instead.")]
    public static partial void GoodbyeFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Subscribing to a new group or user on Redis took longer than {Seconds} s; going on without waiting.")]
    public static partial void SlowApply(ILogger logger, double seconds);

    [LoggerMessage(10, LogLevel.Warning, "Gave up (un)subscribing Redis channel {Channel} after {Attempts} failed attempts; it is tried again at the next heartbeat. Messages to it from other servers are missed meanwhile.")]
    public static partial void InterestGivenUp(ILogger logger, string channel, int attempts);

    [LoggerMessage(11, LogLevel.Error, "The Redis backplane's {Loop} loop failed; it starts again.")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop);
}
