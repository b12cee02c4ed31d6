using System.Text;

namespace Endpoints.Runtime;

/// <summary>The registry of one endpoint as user code sees it (<see cref="IWebSocketClients{TEndpoint}"/>).</summary>
internal sealed class WebSocketClients<TEndpoint>(ConnectionRegistries registries) : IWebSocketClients<TEndpoint>, IWebSocketPresence
    where TEndpoint : class
{
    private readonly ConnectionRegistry _registry = registries.For(typeof(TEndpoint), typeof(TEndpoint).FullName ?? typeof(TEndpoint).Name);

    public IWebSocketTarget All => new Target(_registry, TargetKind.All, "", []);

    public IWebSocketTarget AllExcept(params IReadOnlyCollection<string> connectionIds) => new Target(_registry, TargetKind.All, "", connectionIds);

    public IWebSocketTarget Group(string group) => new Target(_registry, TargetKind.Group, Required(group), []);

    public IWebSocketTarget GroupExcept(string group, params IReadOnlyCollection<string> connectionIds) => new Target(_registry, TargetKind.Group, Required(group), connectionIds);

    public IWebSocketTarget User(string userId) => new Target(_registry, TargetKind.User, Required(userId), []);

    public IWebSocketTarget Connection(string connectionId) => new Target(_registry, TargetKind.Connection, Required(connectionId), []);

    public ValueTask<bool> AddToGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default)
        => new(_registry.Find(Required(connectionId)) is { } entry && _registry.Join(entry, Required(group)));

    public ValueTask<bool> RemoveFromGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default)
        => new(_registry.Find(Required(connectionId)) is { } entry && _registry.Leave(entry, Required(group)));

    public IWebSocketPresence Presence => this;

    public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetGroupMembersAsync(string group, CancellationToken cancellationToken = default)
        => new(_registry.MembersOf(Required(group)).Select(static m => new WebSocketGroupMember(m.Connection.Id, m.Connection.UserId, m.Since)).ToArray());

    public ValueTask<IReadOnlyList<string>> GetConnectedUsersAsync(CancellationToken cancellationToken = default) => new(_registry.Users());

    public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetUserConnectionsAsync(string userId, CancellationToken cancellationToken = default)
        => new(_registry.ConnectionsOf(Required(userId)).Select(static c => new WebSocketGroupMember(c.Id, c.UserId, c.Since)).ToArray());

    public ValueTask<int> CountConnectionsAsync(CancellationToken cancellationToken = default) => new(_registry.Count);

    public ValueTask<int> CountGroupMembersAsync(string group, CancellationToken cancellationToken = default) => new(_registry.MembersOf(Required(group)).Length);

    public IDisposable Subscribe(Action<WebSocketPresenceChange> observer) => _registry.Subscribe(observer);

    private static string Required(string value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }
}

internal enum TargetKind { All, Group, User, Connection }

/// <summary>Some connections of one endpoint, resolved at the moment of the send.</summary>
internal sealed class Target(ConnectionRegistry registry, TargetKind kind, string key, IReadOnlyCollection<string> except) : IWebSocketTarget
{
    public ValueTask<WebSocketFanOutResult> SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(WebSocketMessage.FromText(text), cancellationToken);
    }

    public ValueTask<WebSocketFanOutResult> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(WebSocketMessage.FromBinary(data), cancellationToken);

    public ValueTask<WebSocketFanOutResult> SendAsync(WebSocketMessage message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Encoded once for every receiver: each frame writer copies these bytes, none encodes the string again.
        if (message.Text is { } text && kind != TargetKind.Connection) message = WebSocketMessage.FromUtf8Text(Encoding.UTF8.GetBytes(text));
        int queued = 0, dropped = 0;
        switch (kind)
        {
            case TargetKind.All:
                foreach (var entry in registry.All) Deliver(entry);
                break;
            case TargetKind.Group:
                foreach (var member in registry.MembersOf(key)) Deliver(member.Connection);
                break;
            case TargetKind.User:
                foreach (var entry in registry.ConnectionsOf(key)) Deliver(entry);
                break;
            case TargetKind.Connection:
                if (registry.Find(key) is { } one) Deliver(one);
                break;
        }
        return new(new WebSocketFanOutResult(queued, dropped));

        void Deliver(RegisteredConnection entry)
        {
            if (except.Count > 0 && except.Contains(entry.Id)) return;
            if (registry.Deliver(entry, message)) queued++;
            else dropped++;
        }
    }
}
