using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Endpoints.Runtime.Hosting;

/// <summary>
/// The app-wide services a connection needs, resolved once when the endpoint is mapped and carried as endpoint
/// metadata, so that accepting a connection does not touch the request's services (and so does not create a
/// request scope for an endpoint that needs none).
/// </summary>
internal sealed class EndpointServices(
    IOptions<WebSocketEndpointOptions>? options,
    ILogger logger,
    WebSocketEndpointMetrics metrics,
    IHostApplicationLifetime? lifetime,
    TimeProvider time,
    ConnectionRegistries registries,
    IWebSocketUserIdProvider userIds)
{
    private const string LoggerCategory = "Endpoints.WebSocketEndpoint";
    private static readonly WebSocketEndpointOptions s_defaultOptions = new();

    /// <summary>The options, read on each use: options validated at startup are cached by the options manager.</summary>
    public WebSocketEndpointOptions Options => options?.Value ?? s_defaultOptions;

    public ILogger Logger { get; } = logger;

    public WebSocketEndpointMetrics Metrics { get; } = metrics;

    public IHostApplicationLifetime? Lifetime { get; } = lifetime;

    /// <summary>The clock for every timeout: the app's <see cref="TimeProvider"/> (a fake one in tests).</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>The live connections of each endpoint, shared with <see cref="IWebSocketClients{TEndpoint}"/>.</summary>
    public ConnectionRegistries Registries { get; } = registries;

    public IWebSocketUserIdProvider UserIds { get; } = userIds;

    // One per mapped endpoint (these services are its metadata), made on its first connection.
    private MappedEndpoint? _endpoint;

    /// <summary>What the connections of the endpoint these services belong to share, once its first connection made it.</summary>
    public MappedEndpoint? Endpoint
    {
        get => Volatile.Read(ref _endpoint);
        set => Volatile.Write(ref _endpoint, value);
    }

    public static EndpointServices From(IServiceProvider services)
    {
        var metrics = services.GetService<WebSocketEndpointMetrics>() ?? WebSocketEndpointMetrics.Shared;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var lifetime = services.GetService<IHostApplicationLifetime>();
        return new(
            services.GetService<IOptions<WebSocketEndpointOptions>>(),
            services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance,
            metrics,
            lifetime,
            time,
            // Without AddWebSocketEndpoints nothing can inject IWebSocketClients, so a private registry loses nothing.
            services.GetService<ConnectionRegistries>()
                ?? new ConnectionRegistries(time, metrics, lifetime: lifetime, limits: GroupLimits.From(services)),
            services.GetService<IWebSocketUserIdProvider>() ?? DefaultUserIdProvider.Instance);
    }
}
