using System.Collections.Concurrent;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Scaleout;
using Microsoft.Extensions.Hosting;

namespace Endpoints.Runtime.Fanout;

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

    private readonly GroupLimits _limits;

    public ConnectionRegistries(TimeProvider time, WebSocketEndpointMetrics metrics, IWebSocketBackplane? backplane = null, IHostApplicationLifetime? lifetime = null,
        GroupLimits? limits = null)
    {
        _time = time;
        _limits = limits ?? GroupLimits.Default;
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
            foreach (var entry in registry.All) entry.HostStopping.OnHostStopping();
        }
    }

    public IWebSocketBackplane? Backplane { get; }

    /// <summary>What connection ids start with: this node's id when there are other nodes, so ids are unique across them.</summary>
    public string ConnectionIdPrefix => Backplane is { } backplane ? backplane.NodeId + "/" : "";

    public ConnectionRegistry For(Type endpoint, string name)
        => _byType.GetOrAdd(endpoint, static (_, state) => state.self._byName.GetOrAdd(state.name,
            static (name, self) => new ConnectionRegistry(name, self._time, self._metrics, self.Backplane, self._limits), state.self), (self: this, name));

    public WebSocketFanOutResult Deliver(BackplaneMessage message)
    {
        if (!_byName.TryGetValue(message.Endpoint, out var registry)) return default;
        var local = WireMessages.FromBytes(message.MessageType, message.Payload);
        // A resumable endpoint numbers what reaches it in its own streams (a backplane that keeps none; one connection's messages).
        if (registry.Streams is { } streams) return streams.PublishHere(message.Target, message.Key, message.Except, local);
        return registry.Deliver(message.Target, message.Key, message.Except, local);
    }

    public WebSocketFanOutResult DeliverNumbered(BackplaneMessage message, string stream, string epoch, long offset)
    {
        if (!_byName.TryGetValue(message.Endpoint, out var registry)) return default;
        if (registry.Streams is { } streams) return streams.DeliverNumbered(message, stream, epoch, offset);
        // Not resumable here (an app mapped it differently): delivered as it is.
        return registry.Deliver(message.Target, message.Key, message.Except, WireMessages.FromBytes(message.MessageType, message.Payload));
    }

    public void SessionResumedElsewhere(string endpoint, string sessionId)
    {
        if (_byName.TryGetValue(endpoint, out var registry)) registry.SessionResumedElsewhere(sessionId);
    }

    public bool ChangeGroup(string endpoint, string connectionId, string group, bool join)
    {
        if (!_byName.TryGetValue(endpoint, out var registry) || registry.Find(connectionId) is not { } entry) return false;
        try
        {
            return join ? registry.JoinGroup(entry, group) : registry.Leave(entry, group);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            // Over a limit: the asking server hears "not changed", as for a connection it does not hold.
            return false;
        }
    }

    public IReadOnlyList<BackplaneConnection> Snapshot() => _byName.Values.SelectMany(static registry => registry.Snapshot()).ToList();
}

/// <summary>The limits on groups a registry enforces (from <see cref="WebSocketEndpointOptions"/>).</summary>
internal sealed record GroupLimits(int MaxGroupNameLength, int MaxGroupsPerConnection)
{
    public static readonly GroupLimits Default = From(new WebSocketEndpointOptions());

    /// <summary>From the app's options (the defaults when there are none).</summary>
    public static GroupLimits From(IServiceProvider services)
        => From(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<Microsoft.Extensions.Options.IOptions<WebSocketEndpointOptions>>(services)?.Value);

    public static GroupLimits From(WebSocketEndpointOptions? options)
    {
        options ??= new WebSocketEndpointOptions();
        return new GroupLimits(options.MaxGroupNameLength, options.MaxGroupsPerConnection);
    }

    /// <summary>Throws for a group name over the limit, before anything is changed or sent.</summary>
    public string CheckName(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Length > MaxGroupNameLength)
        {
            throw new ArgumentException($"The group name is {group.Length} characters long; at most {MaxGroupNameLength} are allowed (WebSocketEndpointOptions.MaxGroupNameLength).", nameof(group));
        }
        return group;
    }
}
