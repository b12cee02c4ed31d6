using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// Reads the other live servers' presence: which servers live (their heartbeat not expired, on the injected clock), and
/// of those only the fields asked for. While Redis is away it answers with nothing, as only this server's are known.
/// </summary>
internal sealed class RedisPresenceReader(RedisConnection connection, RedisNames names, RedisBackplaneOptions options, ILogger logger, TimeProvider time)
{
    private readonly string _nodeId = options.NodeId;


    /// <summary>The servers whose heartbeat has not expired, this one among them.</summary>
    public async Task<HashSet<string>> LiveNodesAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var nodes = await connection.Redis.GetDatabase().SortedSetRangeByScoreAsync(names.NodesKey, now, double.PositiveInfinity, Exclude.Start).ConfigureAwait(false);
        return nodes.Select(static n => n.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Reads only the group's fields of each other node's presence (HSCAN with a pattern), not the whole of it.</summary>
    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
    {
        var members = new List<WebSocketGroupMember>();
        foreach (var (field, value) in await RemotePresenceAsync(endpoint, RedisNames.GroupFieldPattern(group), cancellationToken).ConfigureAwait(false))
        {
            if (RedisNames.ConnectionOfGroupField(field, group) is not { } connectionId) continue;
            var (user, since) = RedisNames.ParsePresenceValue(value);
            members.Add(new WebSocketGroupMember(connectionId, user, since));
        }
        return members;
    }

    /// <summary>Reads only the connection fields of each other node's presence, not their groups.</summary>
    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
    {
        var connections = new List<WebSocketGroupMember>();
        foreach (var (field, value) in await RemotePresenceAsync(endpoint, RedisNames.ConnectionFieldPattern, cancellationToken).ConfigureAwait(false))
        {
            var (user, since) = RedisNames.ParsePresenceValue(value);
            connections.Add(new WebSocketGroupMember(RedisNames.ConnectionOfField(field), user, since));
        }
        return connections;
    }

    /// <summary>One field per node: each node keeps its own counts in its presence.</summary>
    public ValueTask<int> CountRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
        => RemoteCountAsync(endpoint, RedisNames.ConnectionsCountField, cancellationToken);

    /// <inheritdoc cref="CountRemoteConnectionsAsync"/>
    public ValueTask<int> CountRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
        => RemoteCountAsync(endpoint, RedisNames.GroupCountField(group), cancellationToken);

    /// <summary>
    /// The other live servers' presence fields for the endpoint that match <paramref name="pattern"/> (only those cross
    /// the network); none while Redis is away (only this server's are known then).
    /// </summary>
    private async Task<List<(string Field, string Value)>> RemotePresenceAsync(string endpoint, string pattern, CancellationToken cancellationToken)
    {
        var entries = new List<(string, string)>();
        if (!connection.IsConnected) return entries;
        try
        {
            var database = connection.Redis.GetDatabase();
            foreach (var node in await LiveNodesAsync().ConfigureAwait(false))
            {
                if (node == _nodeId) continue;
                await foreach (var entry in database.HashScanAsync(names.PresenceKey(endpoint, node), pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    entries.Add((entry.Name.ToString(), entry.Value.ToString()));
                }
            }
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
        {
            RedisLog.PresenceUnavailable(logger, exception);
        }
        return entries;
    }

    private async ValueTask<int> RemoteCountAsync(string endpoint, string field, CancellationToken cancellationToken)
    {
        if (!connection.IsConnected) return 0;
        try
        {
            var database = connection.Redis.GetDatabase();
            var nodes = (await LiveNodesAsync().ConfigureAwait(false)).Where(node => node != _nodeId).ToList();
            var counts = await Task.WhenAll(nodes.Select(node => database.HashGetAsync(names.PresenceKey(endpoint, node), field))).WaitAsync(cancellationToken).ConfigureAwait(false);
            return counts.Sum(static count => count.TryParse(out int value) ? value : 0);
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
        {
            RedisLog.PresenceUnavailable(logger, exception);
            return 0;
        }
    }
}
