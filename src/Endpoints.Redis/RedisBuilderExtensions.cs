using Endpoints.Redis;
using Endpoints.Scaleout;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Scale-out through Redis for WebSocket endpoints.</summary>
public static class RedisBuilderExtensions
{
    /// <summary>
    /// Connects this server's endpoints to the other servers of the app through Redis: sends to all, groups, users
    /// and connections, group changes and presence span every server. User code does not change. Also adds a
    /// health check named <c>endpoints-redis</c>.
    /// </summary>
    /// <param name="builder">What <c>AddWebSocketEndpoints()</c> returned.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</param>
    /// <param name="configure">Further options (channel prefix, node id, sharded pub/sub, buffer size, timings).</param>
    public static WebSocketEndpointsBuilder AddRedis(this WebSocketEndpointsBuilder builder, string configuration, Action<RedisBackplaneOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = new RedisBackplaneOptions { Configuration = configuration };
        configure?.Invoke(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException("Invalid Redis backplane options: " + string.Join(" ", problems), nameof(configure));

        var services = builder.Services;
        services.TryAddSingleton(provider => new RedisBackplaneCoordinator(options,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger(RedisLog.Category),
            provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton<IWebSocketBackplane>(static provider => provider.GetRequiredService<RedisBackplaneCoordinator>());
        // Stops heartbeats and says goodbye (removes this node from presence) when the host stops.
        services.AddSingleton<IHostedService>(static provider => provider.GetRequiredService<RedisBackplaneCoordinator>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("endpoints-redis",
            static provider => new RedisBackplaneHealthCheck(provider.GetRequiredService<RedisBackplaneCoordinator>()), HealthStatus.Degraded, ["endpoints", "redis"]));
        return builder;
    }
}
