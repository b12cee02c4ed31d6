using System.Collections.Concurrent;
using System.Globalization;
using Endpoints.Scaleout;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// Presence: one hash per server and endpoint (its connections, memberships and counts), renewed by heartbeat and
/// expiring with it. Writes are coalesced and batched on their own loop and never waited for; a heartbeat that finds
/// this server unknown (Redis lost its data) writes it all again. <see cref="RedisPresenceReader"/> reads the others'.
/// </summary>
internal sealed class RedisPresence
{
    private const int Batch = 512;

    private readonly RedisConnection _connection;
    private readonly RedisNames _names;
    // This server's connections now, to write presence again after Redis lost it.
    private readonly Func<IReadOnlyList<BackplaneConnection>> _snapshot;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly string _nodeId;
    private readonly TimeSpan _nodeExpiry;
    // The latest value of each field still to be written (null: delete), so its size is bounded by the fields that
    // exist, not by how often they changed; and this node's counts behind the count fields.
    private readonly ConcurrentDictionary<(string Key, string Field), string?> _pending = new();
    private readonly Dictionary<(string Endpoint, string Field), int> _counts = new();
    private readonly ConcurrentDictionary<string, bool> _endpoints = new(StringComparer.Ordinal);
    private readonly Wakeup _wakeup = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _heartbeatRunning;
    private bool _stopped;

    public RedisPresence(RedisConnection connection, RedisNames names, Func<IReadOnlyList<BackplaneConnection>> snapshot, RedisBackplaneOptions options, ILogger logger,
        TimeProvider time, CancellationToken stopping)
    {
        _connection = connection;
        _names = names;
        _snapshot = snapshot;
        _logger = logger;
        _time = time;
        _stopping = stopping;
        _nodeId = options.NodeId;
        _nodeExpiry = options.NodeExpiry;
    }

    /// <summary>True once this server said goodbye: nothing is written after it.</summary>
    public bool Stopped => Volatile.Read(ref _stopped);

    public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
    {
        _endpoints.TryAdd(endpoint, true);
        var key = _names.PresenceKey(endpoint, _nodeId);
        switch (change.Kind)
        {
            case WebSocketPresenceChangeKind.Connected:
                Set(key, RedisNames.ConnectionField(change.ConnectionId), RedisNames.PresenceValue(change.UserId, change.At));
                Count(endpoint, key, RedisNames.ConnectionsCountField, +1);
                break;
            case WebSocketPresenceChangeKind.Disconnected:
                Set(key, RedisNames.ConnectionField(change.ConnectionId), null);
                Count(endpoint, key, RedisNames.ConnectionsCountField, -1);
                break;
            case WebSocketPresenceChangeKind.JoinedGroup:
                Set(key, RedisNames.GroupField(change.ConnectionId, change.Group!), RedisNames.PresenceValue(change.UserId, change.At));
                Count(endpoint, key, RedisNames.GroupCountField(change.Group!), +1);
                break;
            case WebSocketPresenceChangeKind.LeftGroup:
                Set(key, RedisNames.GroupField(change.ConnectionId, change.Group!), null);
                Count(endpoint, key, RedisNames.GroupCountField(change.Group!), -1);
                break;
        }
    }

    // ---- writing ---------------------------------------------------------------------------------------------

    private void Set(RedisKey key, string field, string? value)
    {
        _pending[(key.ToString(), field)] = value;
        _wakeup.Set();
    }

    /// <summary>This node's count of connections or of a group's members, written as a field of its presence hash.</summary>
    private void Count(string endpoint, RedisKey key, string field, int change)
    {
        lock (_counts)
        {
            var now = _counts.GetValueOrDefault((endpoint, field)) + change;
            if (now <= 0) _counts.Remove((endpoint, field));
            else _counts[(endpoint, field)] = now;
            // Under the lock: two changes at once must not leave the older count pending last.
            Set(key, field, now <= 0 ? null : now.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Writes presence changes in pipelined batches, the latest value of each field only. A batch that fails goes back
    /// (unless newer values replaced it) and is tried again once Redis answers; nothing waits for it.
    /// </summary>
    public async Task LoopAsync()
    {
        while (true)
        {
            await _wakeup.WaitAsync(_stopping).ConfigureAwait(false);
            while (!_pending.IsEmpty)
            {
                if (Stopped)
                {
                    _pending.Clear();
                    break;
                }
                await _connection.WaitForConnectionAsync().ConfigureAwait(false);
                var batch = new List<KeyValuePair<(string Key, string Field), string?>>(Batch);
                foreach (var entry in _pending)
                {
                    // Taken only if unchanged meanwhile: a newer value stays for the next batch, written after this one.
                    if (_pending.TryRemove(entry)) batch.Add(entry);
                    if (batch.Count == Batch) break;
                }
                try
                {
                    await WriteAsync(batch).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    RedisLog.ControlFailed(_logger, exception);
                    foreach (var entry in batch) _pending.TryAdd(entry.Key, entry.Value);
                    await Task.Delay(RedisConnection.RetryPause, _time, _stopping).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Presence writes and the rewrite after Redis lost its data, one at a time: a change made after the rewrite's
    /// snapshot is written after it.
    /// </summary>
    private async Task UnderGateAsync(Func<Task> write)
    {
        await _gate.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task WriteAsync(List<KeyValuePair<(string Key, string Field), string?>> batch) => UnderGateAsync(async () =>
    {
        var database = _connection.Redis.GetDatabase();
        var writes = new List<Task>();
        foreach (var byKey in batch.GroupBy(static entry => entry.Key.Key))
        {
            RedisKey key = byKey.Key;
            var sets = byKey.Where(static e => e.Value is not null).Select(static e => new HashEntry(e.Key.Field, e.Value)).ToArray();
            var deletes = byKey.Where(static e => e.Value is null).Select(static e => (RedisValue)e.Key.Field).ToArray();
            if (sets.Length > 0)
            {
                writes.Add(database.HashSetAsync(key, sets));
                writes.Add(database.KeyExpireAsync(key, _nodeExpiry * 2));
            }
            if (deletes.Length > 0) writes.Add(database.HashDeleteAsync(key, deletes));
        }
        await Task.WhenAll(writes).ConfigureAwait(false);
    });

    // ---- the heartbeat -----------------------------------------------------------------------------------------

    /// <summary>
    /// The heartbeat, on its own: never queued behind presence or interest, never two at once. Completes when this beat
    /// is done (at once when another one still runs); failures are logged, not thrown.
    /// </summary>
    public Task BeatAsync()
    {
        if (Stopped || Interlocked.Exchange(ref _heartbeatRunning, 1) == 1) return Task.CompletedTask;
        return BeatOnceAsync();

        async Task BeatOnceAsync()
        {
            try
            {
                if (_connection.IsConnected) await HeartbeatAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                RedisLog.ControlFailed(_logger, exception);
            }
            finally
            {
                Volatile.Write(ref _heartbeatRunning, 0);
            }
        }
    }

    private async Task HeartbeatAsync()
    {
        var database = _connection.Redis.GetDatabase();
        var now = _time.GetUtcNow();
        var expires = (now + _nodeExpiry).ToUnixTimeMilliseconds();
        // Added rather than updated: Redis does not know this server (first beat, or it lost its data).
        if (await database.SortedSetAddAsync(_names.NodesKey, _nodeId, expires).ConfigureAwait(false)) await RewriteAsync(database).ConfigureAwait(false);
        await Task.WhenAll(_endpoints.Keys.Select(endpoint => database.KeyExpireAsync(_names.PresenceKey(endpoint, _nodeId), _nodeExpiry * 2))).ConfigureAwait(false);
        await database.SortedSetRemoveRangeByScoreAsync(_names.NodesKey, double.NegativeInfinity, now.ToUnixTimeMilliseconds()).ConfigureAwait(false);
    }

    private Task RewriteAsync(IDatabase database) => UnderGateAsync(async () =>
    {
        var snapshot = _snapshot();
        foreach (var endpoint in snapshot.Select(static c => c.Endpoint).Distinct()) _endpoints.TryAdd(endpoint, true);
        foreach (var endpoint in _endpoints.Keys)
        {
            var key = _names.PresenceKey(endpoint, _nodeId);
            var entries = new List<HashEntry>();
            var groupCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            var connections = 0;
            foreach (var connection in snapshot.Where(c => c.Endpoint == endpoint))
            {
                connections++;
                entries.Add(new(RedisNames.ConnectionField(connection.ConnectionId), RedisNames.PresenceValue(connection.UserId, connection.Since)));
                foreach (var (group, since) in connection.Groups)
                {
                    entries.Add(new(RedisNames.GroupField(connection.ConnectionId, group), RedisNames.PresenceValue(connection.UserId, since)));
                    groupCounts[group] = groupCounts.GetValueOrDefault(group) + 1;
                }
            }
            if (connections > 0) entries.Add(new(RedisNames.ConnectionsCountField, connections));
            foreach (var (group, count) in groupCounts) entries.Add(new(RedisNames.GroupCountField(group), count));
            await database.KeyDeleteAsync(key).ConfigureAwait(false);
            if (entries.Count == 0) continue;
            await database.HashSetAsync(key, [.. entries]).ConfigureAwait(false);
            await database.KeyExpireAsync(key, _nodeExpiry * 2).ConfigureAwait(false);
        }
        RedisLog.PresenceRewritten(_logger, snapshot.Count);
    });

    /// <summary>Nothing is written from now on: no beat, no presence from connections still closing.</summary>
    public void Stop() => Volatile.Write(ref _stopped, true);

    /// <summary>Stops writing, then takes this server out of presence at once instead of letting it expire.</summary>
    public async Task GoodbyeAsync()
    {
        Stop();
        if (!_connection.IsConnected) return;
        try
        {
            var database = _connection.Redis.GetDatabase();
            await database.SortedSetRemoveAsync(_names.NodesKey, _nodeId).ConfigureAwait(false);
            foreach (var endpoint in _endpoints.Keys) await database.KeyDeleteAsync(_names.PresenceKey(endpoint, _nodeId)).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            RedisLog.GoodbyeFailed(_logger, exception);
        }
    }
}
