using System.Collections.Concurrent;
using System.Net.WebSockets;
using Endpoints.Scaleout;
using Microsoft.Extensions.Hosting;

namespace Endpoints.Runtime;

/// <summary>
/// One <see cref="ConnectionRegistry"/> per endpoint class, shared by its connections and its
/// <see cref="IWebSocketClients{TEndpoint}"/>; and this node's side of the backplane, when there is one.
/// </summary>
internal sealed class ConnectionRegistries : IWebSocketBackplaneHost
{
    private readonly ConcurrentDictionary<Type, ConnectionRegistry> _byType = new();
    private readonly ConcurrentDictionary<string, ConnectionRegistry> _byName = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly WebSocketEndpointMetrics _metrics;

    public ConnectionRegistries(TimeProvider time, WebSocketEndpointMetrics metrics, IWebSocketBackplane? backplane = null, IHostApplicationLifetime? lifetime = null)
    {
        _time = time;
        _metrics = metrics;
        Backplane = backplane;
        backplane?.Start(this);
        // One registration for every connection of every endpoint (one each would cost each idle connection a callback node).
        lifetime?.ApplicationStopping.UnsafeRegister(static state => ((ConnectionRegistries)state!).OnHostStopping(), this);
    }

    private void OnHostStopping()
    {
        foreach (var registry in _byName.Values)
        {
            foreach (var entry in registry.All) entry.Connection.OnHostStopping();
        }
    }

    public IWebSocketBackplane? Backplane { get; }

    /// <summary>What connection ids start with: this node's id when there are other nodes, so ids are unique across them.</summary>
    public string ConnectionIdPrefix => Backplane is { } backplane ? backplane.NodeId + "/" : "";

    public ConnectionRegistry For(Type endpoint, string name)
        => _byType.GetOrAdd(endpoint, static (_, state) => state.self._byName.GetOrAdd(state.name,
            static (name, self) => new ConnectionRegistry(name, self._time, self._metrics, self.Backplane), state.self), (self: this, name));

    public WebSocketFanOutResult Deliver(BackplaneMessage message)
    {
        if (!_byName.TryGetValue(message.Endpoint, out var registry)) return default;
        var local = message.MessageType == WebSocketMessageType.Text
            ? WebSocketMessage.FromUtf8Text(message.Payload)
            : WebSocketMessage.FromBinary(message.Payload);
        return registry.Deliver(message.Target, message.Key, message.Except, local);
    }

    public bool ChangeGroup(string endpoint, string connectionId, string group, bool join)
        => _byName.TryGetValue(endpoint, out var registry) && registry.Find(connectionId) is { } entry
           && (join ? registry.Join(entry, group) : registry.Leave(entry, group));

    public IReadOnlyList<BackplaneConnection> Snapshot() => _byName.Values.SelectMany(static registry => registry.Snapshot()).ToList();
}
