using System.Collections.Concurrent;

namespace Endpoints.Runtime;

/// <summary>One <see cref="ConnectionRegistry"/> per endpoint class, shared by its connections and its <see cref="IWebSocketClients{TEndpoint}"/>.</summary>
internal sealed class ConnectionRegistries(TimeProvider time, WebSocketEndpointMetrics metrics)
{
    private readonly ConcurrentDictionary<Type, ConnectionRegistry> _registries = new();

    public ConnectionRegistry For(Type endpoint, string name)
        => _registries.GetOrAdd(endpoint, static (_, state) => new ConnectionRegistry(state.time, state.metrics, new("endpoint", state.name)), (time, metrics, name));
}
