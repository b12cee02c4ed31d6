using System.Net.WebSockets;
using System.Text;
using Endpoints.Scaleout;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// The registry of one endpoint as user code sees it (<see cref="IWebSocketClients{TEndpoint}"/>): this node's
/// connections, and through the backplane (when there is one) every other node's.
/// </summary>
internal sealed class WebSocketClients<TEndpoint>(ConnectionRegistries registries) : IWebSocketClients<TEndpoint>, IWebSocketPresence
    where TEndpoint : class
{
    private readonly ConnectionRegistry _registry = registries.For(typeof(TEndpoint), typeof(TEndpoint).FullName ?? typeof(TEndpoint).Name);

    private IWebSocketBackplane? Backplane => _registry.Backplane;

    public IWebSocketTarget<TEndpoint> All => new Target<TEndpoint>(_registry, BackplaneTarget.All, "", []);

    public IWebSocketTarget<TEndpoint> AllExcept(params IReadOnlyCollection<string> connectionIds) => new Target<TEndpoint>(_registry, BackplaneTarget.All, "", connectionIds);

    public IWebSocketTarget<TEndpoint> Group(string group) => new Target<TEndpoint>(_registry, BackplaneTarget.Group, _registry.Limits.CheckName(group), []);

    public IWebSocketTarget<TEndpoint> GroupExcept(string group, params IReadOnlyCollection<string> connectionIds)
        => new Target<TEndpoint>(_registry, BackplaneTarget.Group, _registry.Limits.CheckName(group), connectionIds);

    public IWebSocketTarget<TEndpoint> User(string userId) => new Target<TEndpoint>(_registry, BackplaneTarget.User, Required(userId), []);

    public IWebSocketTarget<TEndpoint> Connection(string connectionId) => new Target<TEndpoint>(_registry, BackplaneTarget.Connection, Required(connectionId), []);

    public ValueTask<bool> AddToGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default)
        => ChangeGroupAsync(Required(connectionId), _registry.Limits.CheckName(group), join: true, cancellationToken);

    public ValueTask<bool> RemoveFromGroupAsync(string connectionId, string group, CancellationToken cancellationToken = default)
        => ChangeGroupAsync(Required(connectionId), Required(group), join: false, cancellationToken);

    private async ValueTask<bool> ChangeGroupAsync(string connectionId, string group, bool join, CancellationToken cancellationToken)
    {
        if (_registry.Find(connectionId) is { } entry)
        {
            var changed = join ? await _registry.JoinGroupAsync(entry, group, cancellationToken).ConfigureAwait(false) : _registry.Leave(entry, group);
            if (changed && join && Backplane is { } local) await local.WhenAppliedAsync(cancellationToken).ConfigureAwait(false);
            return changed;
        }
        return Backplane is { } backplane && await backplane.ChangeRemoteGroupAsync(_registry.Name, connectionId, group, join, cancellationToken).ConfigureAwait(false);
    }

    public IWebSocketPresence Presence => this;

    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetGroupMembersAsync(string group, CancellationToken cancellationToken = default)
    {
        var local = _registry.MembershipsOf(Required(group)).OrderBy(static m => m.Value.Order)
            .Select(static m => new WebSocketGroupMember(m.Key.Id, m.Key.UserId, m.Value.Since));
        if (Backplane is not { } backplane) return local.ToArray();
        var remote = await backplane.GetRemoteGroupMembersAsync(_registry.Name, group, cancellationToken).ConfigureAwait(false);
        return local.Concat(remote).OrderBy(static m => m.Since).ToArray();
    }

    public async ValueTask<IReadOnlyList<string>> GetConnectedUsersAsync(CancellationToken cancellationToken = default)
    {
        if (Backplane is not { } backplane) return _registry.Users();
        var remote = await backplane.GetRemoteConnectionsAsync(_registry.Name, cancellationToken).ConfigureAwait(false);
        return _registry.Users().Concat(remote.Select(static c => c.UserId).OfType<string>()).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetUserConnectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var local = _registry.PresentConnectionsOf(Required(userId)).Select(static c => new WebSocketGroupMember(c.Id, c.UserId, c.Since));
        if (Backplane is not { } backplane) return local.ToArray();
        var remote = await backplane.GetRemoteConnectionsAsync(_registry.Name, cancellationToken).ConfigureAwait(false);
        return local.Concat(remote.Where(c => c.UserId == userId)).OrderBy(static c => c.Since).ToArray();
    }

    public async ValueTask<int> CountConnectionsAsync(CancellationToken cancellationToken = default)
    {
        if (Backplane is not { } backplane) return _registry.CountPresent();
        return _registry.CountPresent() + await backplane.CountRemoteConnectionsAsync(_registry.Name, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> CountGroupMembersAsync(string group, CancellationToken cancellationToken = default)
    {
        var local = _registry.CountPresentMembers(Required(group));
        if (Backplane is not { } backplane) return local;
        return local + await backplane.CountRemoteGroupMembersAsync(_registry.Name, group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports this node's changes (other nodes' connections show in the queries, not here).</summary>
    public IDisposable Subscribe(Action<WebSocketPresenceChange> observer) => _registry.Subscribe(observer);

    private static string Required(string value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }
}

/// <summary>Some connections of one endpoint, resolved at the moment of the send, on this node and (through the backplane) the others.</summary>
internal sealed class Target<TEndpoint>(ConnectionRegistry registry, BackplaneTarget kind, string key, IReadOnlyCollection<string> except) : IWebSocketTarget<TEndpoint>
    where TEndpoint : class
{
    /// <summary>Serialized once, whatever the number of receivers.</summary>
    public ValueTask<WebSocketFanOutResult> SendAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default)
    {
        var codec = registry.Codec ?? throw new NotSupportedException($"{typeof(TEndpoint).Name} declares no typed messages (Sends on its [WebSocketEndpoint]).");
        return SendAsync(codec.Encode(message), cancellationToken);
    }

    public ValueTask<WebSocketFanOutResult> SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(WebSocketMessage.FromText(text), cancellationToken);
    }

    public ValueTask<WebSocketFanOutResult> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(WebSocketMessage.FromBinary(data), cancellationToken);

    /// <summary>The result counts this node's connections; other nodes' deliveries are not waited for.</summary>
    public ValueTask<WebSocketFanOutResult> SendAsync(WebSocketMessage message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Encoded once for every receiver: each frame writer copies these bytes, none encodes the string again. One
        // connection's frame writer encodes a string straight into its frame, so that one is left as it is.
        if (message.Text is { } text && kind != BackplaneTarget.Connection) message = WebSocketMessage.FromUtf8Text(Encoding.UTF8.GetBytes(text));
        // Checked before anyone gets it: a key the backplane cannot carry must not be delivered here only.
        if (registry.Backplane is not null && Encoding.UTF8.GetByteCount(key) > ushort.MaxValue)
        {
            throw new ArgumentException($"The {kind.ToString().ToLowerInvariant()} name is longer than the {ushort.MaxValue} UTF-8 bytes other servers can be sent.", nameof(key));
        }
        if (registry.Streams is { } streams) return new(streams.Publish(kind, key, except, message));
        var result = registry.Deliver(kind, key, except, message);
        // Other servers hear of it unless it was for one connection, and that connection is here.
        if (registry.Backplane is { } backplane && (kind != BackplaneTarget.Connection || result == default))
        {
            if (message.Text is { } single) message = WebSocketMessage.FromUtf8Text(Encoding.UTF8.GetBytes(single));
            var type = message.MessageType;
            backplane.Publish(new BackplaneMessage(registry.Name, kind, key, except, type, type == WebSocketMessageType.Text ? message.Utf8Text : message.Binary));
        }
        return new(result);
    }
}
