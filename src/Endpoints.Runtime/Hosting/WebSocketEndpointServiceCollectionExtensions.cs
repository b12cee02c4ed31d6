using System.Diagnostics.Metrics;
using Endpoints;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Endpoints.Scaleout;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the services WebSocket endpoints use.</summary>
public static class WebSocketEndpointServiceCollectionExtensions
{
    /// <summary>
    /// Adds WebSocket endpoint options (validated when the app starts) and <see cref="IWebSocketClients{TEndpoint}"/>
    /// for sending to groups, users and all connections of an endpoint. Without it endpoints run with the defaults of
    /// <see cref="WebSocketEndpointOptions"/> and cannot be reached from outside their own callbacks.
    /// </summary>
    public static WebSocketEndpointsBuilder AddWebSocketEndpoints(this IServiceCollection services, Action<WebSocketEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WebSocketEndpointOptions>();
        if (configure is not null) options.Configure(configure);
        services.AddSingleton<IValidateOptions<WebSocketEndpointOptions>, WebSocketEndpointOptionsValidator>();
        options.ValidateOnStart();
        services.TryAddSingleton(provider => new WebSocketEndpointMetrics(provider.GetService<IMeterFactory>()));
        services.TryAddSingleton(provider => new ConnectionRegistries(
            provider.GetService<TimeProvider>() ?? TimeProvider.System, provider.GetRequiredService<WebSocketEndpointMetrics>(),
            provider.GetService<IWebSocketBackplane>(), provider.GetService<IHostApplicationLifetime>(),
            GroupLimits.From(provider)));
        // Closed over each endpoint class when injected; endpoint classes are reference types, so Native AOT shares one instantiation.
        services.TryAddSingleton(typeof(IWebSocketClients<>), typeof(WebSocketClients<>));
        return new WebSocketEndpointsBuilder(services);
    }

    private sealed class WebSocketEndpointOptionsValidator : IValidateOptions<WebSocketEndpointOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebSocketEndpointOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>What <c>AddWebSocketEndpoints()</c> returns, for what plugs in under the endpoints (e.g. <c>.AddRedis(…)</c>).</summary>
public sealed class WebSocketEndpointsBuilder(IServiceCollection services)
{
    /// <summary>The app's services.</summary>
    public IServiceCollection Services { get; } = services;
}
