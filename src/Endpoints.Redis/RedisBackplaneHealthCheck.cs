using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Endpoints.Redis;

/// <summary>
/// Healthy while Redis is connected; Degraded while it is not (local delivery and new connections still work,
/// messages for other servers are buffered up to the bound, then dropped).
/// </summary>
internal sealed class RedisBackplaneHealthCheck(RedisBackplaneCoordinator backplane) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["node"] = backplane.NodeId,
            ["buffered"] = backplane.Buffered,
            ["dropped"] = backplane.Dropped,
            ["reconnects"] = backplane.Reconnects,
        };
        return Task.FromResult(backplane.IsConnected
            ? HealthCheckResult.Healthy("Connected to Redis.", data)
            : HealthCheckResult.Degraded("Redis is unreachable: only this server's connections are reached; messages for other servers are buffered.", data: data));
    }
}
