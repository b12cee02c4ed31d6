using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.Channels;
using Endpoints.Scaleout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// The backplane on Redis. Messages go to channels by interest: a server subscribes to a group's or a user's
/// channel only while it has a connection there, and to its own channel for what is sent to one of its
/// connections. Presence is one hash per server and endpoint, renewed by heartbeat and expiring with it; a server
/// that finds its heartbeat entry gone (Redis lost its data) writes its state again. While Redis is away,
/// messages for other servers wait in a bounded buffer and go out in order when it is back.
/// </summary>
internal sealed partial class RedisBackplane : IWebSocketBackplane, IHostedService, IAsyncDisposable
{
    private static readonly Meter s_meter = new("Endpoints.Redis");
    private static readonly Counter<long> s_buffered = s_meter.CreateCounter<long>("endpoints.redis.messages.buffered", "{message}", "Messages for other servers that waited for Redis to come back.");
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("endpoints.redis.messages.dropped", "{message}", "Messages for other servers dropped because the outage buffer was full.");
    private static readonly Counter<long> s_reconnects = s_meter.CreateCounter<long>("endpoints.redis.reconnects", "{reconnect}", "Times the connection to Redis came back.");

    private readonly RedisBackplaneOptions _options;
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<(RedisChannel Channel, byte[] Payload)> _outbox;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _pendingGroupChanges = new();
    // Interest: how many local connections want each channel; the channels whose subscription must be reconciled.
    private readonly Dictionary<string, int> _interest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisChannel> _interestDirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelMessageQueue> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisChannel> _interestGivenUp = new(StringComparer.Ordinal);
    private readonly Wakeup _interestWakeup = new();
    private long _interestRequested, _interestApplied;
    private TaskCompletionSource _interestAppliedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Presence: the latest value of each field still to be written (null: delete), so its size is bounded by the
    // fields that exist, not by how often they changed; and this node's counts behind the count fields.
    private readonly ConcurrentDictionary<(string Key, string Field), string?> _presencePending = new();
    private readonly Dictionary<(string Endpoint, string Field), int> _counts = new();
    private readonly Wakeup _presenceWakeup = new();
    private readonly SemaphoreSlim _presenceGate = new(1, 1);
    private int _heartbeatRunning;
    private bool _stopped;
    private readonly ConcurrentDictionary<string, bool> _endpoints = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IWebSocketBackplaneHost? _host;
    private ConnectionMultiplexer? _redis;
    private ChannelMessageQueue? _nodeSubscription;
    private ITimer? _heartbeat;
    private Task? _loops;
    private long _buffered, _dropped, _reconnects;
    private int _disposed;

    public RedisBackplane(RedisBackplaneOptions options, ILogger<RedisBackplane> logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _configuration = ConfigurationOptions.Parse(options.Configuration);
        _configuration.AbortOnConnectFail = false; // start without Redis, connect when it comes
        options.ConfigureRedis?.Invoke(_configuration);
        _outbox = Channel.CreateBounded<(RedisChannel, byte[])>(new BoundedChannelOptions(options.OutageBufferCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller counts the drop
        });
    }

    public string NodeId => _options.NodeId;

    public bool IsConnected => _redis?.IsConnected == true;

    public long Buffered => Interlocked.Read(ref _buffered);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public void Start(IWebSocketBackplaneHost host)
    {
        if (Interlocked.CompareExchange(ref _host, host, null) is not null) return;
        _loops = Task.WhenAll(Task.Run(ConnectAsync), Task.Run(SendLoopAsync), Task.Run(() => KeepRunningAsync(InterestLoopAsync, "interest")),
            Task.Run(() => KeepRunningAsync(PresenceLoopAsync, "presence")));
        _heartbeat = _time.CreateTimer(static state => ((RedisBackplane)state!).Beat(), this, _options.HeartbeatInterval, _options.HeartbeatInterval);
    }

    public void Publish(BackplaneMessage message)
    {
        var channel = message.Target == BackplaneTarget.Connection
            ? NodeChannel(NodeOf(message.Key) ?? "")
            : ChannelOf(message.Endpoint, message.Target, message.Key);
        Send(channel, Wire.EncodeDeliver(NodeId, message));
    }

    public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
    {
        _endpoints.TryAdd(endpoint, true);
        var key = PresenceKey(endpoint, NodeId);
        switch (change.Kind)
        {
            case WebSocketPresenceChangeKind.Connected:
                Interest(ChannelOf(endpoint, BackplaneTarget.All, ""), +1);
                if (change.UserId is { } user) Interest(ChannelOf(endpoint, BackplaneTarget.User, user), +1);
                SetPresence(key, ConnectionField(change.ConnectionId), PresenceValue(change.UserId, change.At));
                Count(endpoint, key, ConnectionsCountField, +1);
                break;
            case WebSocketPresenceChangeKind.Disconnected:
                Interest(ChannelOf(endpoint, BackplaneTarget.All, ""), -1);
                if (change.UserId is { } leaving) Interest(ChannelOf(endpoint, BackplaneTarget.User, leaving), -1);
                SetPresence(key, ConnectionField(change.ConnectionId), null);
                Count(endpoint, key, ConnectionsCountField, -1);
                break;
            case WebSocketPresenceChangeKind.JoinedGroup:
                Interest(ChannelOf(endpoint, BackplaneTarget.Group, change.Group!), +1);
                SetPresence(key, GroupField(change.ConnectionId, change.Group!), PresenceValue(change.UserId, change.At));
                Count(endpoint, key, GroupCountField(change.Group!), +1);
                break;
            case WebSocketPresenceChangeKind.LeftGroup:
                Interest(ChannelOf(endpoint, BackplaneTarget.Group, change.Group!), -1);
                SetPresence(key, GroupField(change.ConnectionId, change.Group!), null);
                Count(endpoint, key, GroupCountField(change.Group!), -1);
                break;
        }
    }

    /// <summary>
    /// Waits for the subscriptions asked for so far (this connection's channels among them) and nothing else: presence
    /// writes and heartbeats never hold a new connection back.
    /// </summary>
    public async ValueTask WhenAppliedAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected) return; // nothing to wait for: local delivery works, the rest catches up on reconnect
        var target = Interlocked.Read(ref _interestRequested);
        if (Interlocked.Read(ref _interestApplied) >= target) return;
        var deadline = _time.GetUtcNow() + _options.GroupChangeTimeout;
        try
        {
            while (true)
            {
                var signal = Volatile.Read(ref _interestAppliedSignal).Task;
                if (Interlocked.Read(ref _interestApplied) >= target) return;
                var left = deadline - _time.GetUtcNow();
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                await signal.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            Log.SlowApply(_logger, _options.GroupChangeTimeout.TotalSeconds);
        }
    }

    public async ValueTask<bool> ChangeRemoteGroupAsync(string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken)
    {
        if (NodeOf(connectionId) is not { } node || node == NodeId) return false;
        if (!IsConnected || !(await LiveNodesAsync().ConfigureAwait(false)).Contains(node)) return false;
        var requestId = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingGroupChanges[requestId] = answer;
        try
        {
            Send(NodeChannel(node), Wire.EncodeGroupChange(requestId, NodeId, endpoint, connectionId, group, join));
            return await answer.Task.WaitAsync(_options.GroupChangeTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server '{node}' that holds connection '{connectionId}' did not answer the group change within {_options.GroupChangeTimeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _pendingGroupChanges.TryRemove(requestId, out _);
        }
    }

    /// <summary>Reads only the group's fields of each other node's presence (HSCAN with a pattern), not the whole of it.</summary>
    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
    {
        var members = new List<WebSocketGroupMember>();
        foreach (var (field, value) in await RemotePresenceAsync(endpoint, "g\t*\t" + GlobEscape(group), cancellationToken).ConfigureAwait(false))
        {
            // g <tab> connection id <tab> group: a connection id never holds a tab, a group name may.
            var tab = field.IndexOf('\t', 2);
            if (tab < 0 || field.AsSpan(tab + 1).SequenceEqual(group) is false) continue;
            var (user, since) = ParsePresenceValue(value);
            members.Add(new WebSocketGroupMember(field[2..tab], user, since));
        }
        return members;
    }

    /// <summary>Reads only the connection fields of each other node's presence, not their groups.</summary>
    public async ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
    {
        var connections = new List<WebSocketGroupMember>();
        foreach (var (field, value) in await RemotePresenceAsync(endpoint, "c\t*", cancellationToken).ConfigureAwait(false))
        {
            var (user, since) = ParsePresenceValue(value);
            connections.Add(new WebSocketGroupMember(field[2..], user, since));
        }
        return connections;
    }

    /// <summary>One field per node: each node keeps its own counts in its presence.</summary>
    public ValueTask<int> CountRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
        => RemoteCountAsync(endpoint, ConnectionsCountField, cancellationToken);

    /// <inheritdoc cref="CountRemoteConnectionsAsync"/>
    public ValueTask<int> CountRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
        => RemoteCountAsync(endpoint, GroupCountField(group), cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Says goodbye: this server leaves presence at once instead of expiring.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Nothing written after the goodbye: no beat, no presence from connections still closing.
        Volatile.Write(ref _stopped, true);
        if (_heartbeat is not null) await _heartbeat.DisposeAsync().ConfigureAwait(false);
        if (_redis is { IsConnected: true } redis)
        {
            try
            {
                var database = redis.GetDatabase();
                await database.SortedSetRemoveAsync(NodesKey, NodeId).ConfigureAwait(false);
                foreach (var endpoint in _endpoints.Keys) await database.KeyDeleteAsync(PresenceKey(endpoint, NodeId)).ConfigureAwait(false);
            }
            catch (RedisException exception)
            {
                Log.GoodbyeFailed(_logger, exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container holds this instance under three registrations and disposes each.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _outbox.Writer.TryComplete();
        if (_heartbeat is not null) await _heartbeat.DisposeAsync().ConfigureAwait(false);
        if (_loops is not null)
        {
            try
            {
                await _loops.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or RedisException or ObjectDisposedException)
            {
                // stopping
            }
        }
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    // ---- sending -------------------------------------------------------------------------------------------

    private void Send(RedisChannel channel, byte[] payload)
    {
        if (!IsConnected)
        {
            Interlocked.Increment(ref _buffered);
            s_buffered.Add(1);
        }
        if (_outbox.Writer.TryWrite((channel, payload))) return;
        Interlocked.Increment(ref _dropped);
        s_dropped.Add(1);
        Log.Dropped(_logger, _options.OutageBufferCapacity);
    }

    /// <summary>One writer, in order: a message waits here while Redis is away, then goes out after those before it.</summary>
    private async Task SendLoopAsync()
    {
        var reader = _outbox.Reader;
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            while (reader.TryPeek(out var item))
            {
                if (!IsConnected)
                {
                    await WaitForConnectionAsync().ConfigureAwait(false);
                    // The other servers reconnect (and re-subscribe) on their own schedule: give them a moment, or
                    // what waited for Redis would go to channels nobody listens to yet.
                    await Task.Delay(_options.ResubscribeGrace, _time, _stopping.Token).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    // Fire-and-forget keeps the order (one connection, pipelined) without a round trip per message.
                    _redis!.GetSubscriber().Publish(item.Channel, item.Payload, CommandFlags.FireAndForget);
                    reader.TryRead(out _);
                }
                catch (RedisConnectionException)
                {
                    await WaitForConnectionAsync().ConfigureAwait(false);
                }
            }
        }
    }

    // ---- receiving -----------------------------------------------------------------------------------------

    private void OnMessage(ChannelMessage message)
    {
        ReadOnlyMemory<byte> bytes = (byte[])message.Message!;
        if (bytes.Length == 0 || _host is not { } host) return;
        try
        {
            switch (bytes.Span[0])
            {
                case Wire.Deliver:
                    var (origin, delivery) = Wire.DecodeDeliver(bytes);
                    if (origin != NodeId) host.Deliver(delivery); // this server served its own connections when it sent
                    break;
                case Wire.GroupChange:
                    var change = Wire.DecodeGroupChange(bytes);
                    var changed = host.ChangeGroup(change.Endpoint, change.ConnectionId, change.Group, change.Join);
                    Send(NodeChannel(change.ReplyTo), Wire.EncodeAnswer(change.RequestId, changed));
                    break;
                case Wire.GroupChangeAnswer:
                    var (requestId, result) = Wire.DecodeAnswer(bytes);
                    if (_pendingGroupChanges.TryGetValue(requestId, out var pending)) pending.TrySetResult(result);
                    break;
            }
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            Log.BadMessage(_logger, message.Channel.ToString());
        }
    }

    // ---- interest and presence: coalesced, batched, each on its own loop ---------------------------------------

    private const int MaxAttempts = 5;
    private const int PresenceBatch = 512;
    // Between tries of what Redis failed, so a failing command does not spin.
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(200);

    private void Interest(RedisChannel channel, int change)
    {
        var name = channel.ToString();
        bool crossed;
        lock (_interest)
        {
            _interest.TryGetValue(name, out var count);
            var now = count + change;
            if (now <= 0) _interest.Remove(name);
            else _interest[name] = now;
            crossed = (count == 0) != (now <= 0);
            if (crossed)
            {
                // Counted under the lock, so that a waiter that sees the count sees the channel marked too.
                _interestDirty[name] = channel;
                Interlocked.Increment(ref _interestRequested);
            }
        }
        if (crossed) _interestWakeup.Set();
    }

    /// <summary>
    /// Reconciles the channels whose interest crossed zero, all of a round at once (StackExchange.Redis pipelines them):
    /// a burst of new connections costs a round trip, not one each. A channel that keeps failing is retried with a pause,
    /// without holding the others back, and given up (logged) after <see cref="MaxAttempts"/> rounds until the next
    /// heartbeat.
    /// </summary>
    private async Task InterestLoopAsync()
    {
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            await _interestWakeup.WaitAsync(_stopping.Token).ConfigureAwait(false);
            // Also while a round's count is behind: a channel marked between reading the count and taking the dirty ones
            // went out in that round, and its waiters are released by the next (empty) round.
            while (!_interestDirty.IsEmpty || Interlocked.Read(ref _interestApplied) < Interlocked.Read(ref _interestRequested))
            {
                await WaitForConnectionAsync().ConfigureAwait(false);
                var round = Interlocked.Read(ref _interestRequested);
                var batch = new List<(string Name, RedisChannel Channel)>();
                foreach (var name in _interestDirty.Keys)
                {
                    if (_interestDirty.TryRemove(name, out var channel)) batch.Add((name, channel));
                }
                var results = await Task.WhenAll(batch.Select(item => TryApplyInterestAsync(item.Channel, item.Name))).ConfigureAwait(false);
                var failed = false;
                for (var i = 0; i < batch.Count; i++)
                {
                    var name = batch[i].Name;
                    if (results[i])
                    {
                        attempts.Remove(name);
                        continue;
                    }
                    var tries = attempts[name] = attempts.GetValueOrDefault(name) + 1;
                    if (tries >= MaxAttempts)
                    {
                        Log.InterestGivenUp(_logger, name, tries);
                        attempts.Remove(name);
                        _interestGivenUp[name] = batch[i].Channel;
                        continue;
                    }
                    _interestDirty.TryAdd(name, batch[i].Channel);
                    failed = true;
                }
                if (!failed) MarkInterestApplied(round);
                else await Task.Delay(s_retryPause, _time, _stopping.Token).ConfigureAwait(false);
            }
        }
    }

    private void MarkInterestApplied(long round)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _interestApplied)) < round && Interlocked.CompareExchange(ref _interestApplied, round, seen) != seen)
        {
        }
        Interlocked.Exchange(ref _interestAppliedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Subscribes or unsubscribes one channel to match the interest in it now; false if Redis failed.</summary>
    private async Task<bool> TryApplyInterestAsync(RedisChannel channel, string name)
    {
        try
        {
            bool wanted;
            lock (_interest) wanted = _interest.ContainsKey(name);
            var subscribed = _subscriptions.TryGetValue(name, out var queue);
            if (wanted && !subscribed)
            {
                var subscription = await _redis!.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
                subscription.OnMessage(OnMessage);
                _subscriptions[name] = subscription;
            }
            else if (!wanted && subscribed)
            {
                // Forgotten only once Redis has taken it: a failed unsubscribe is tried again, not taken as done.
                await queue!.UnsubscribeAsync().ConfigureAwait(false);
                _subscriptions.TryRemove(name, out _);
            }
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.ControlFailed(_logger, exception);
            return false;
        }
    }

    private void SetPresence(RedisKey key, string field, string? value)
    {
        _presencePending[(key.ToString(), field)] = value;
        _presenceWakeup.Set();
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
            SetPresence(key, field, now <= 0 ? null : now.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Writes presence changes in pipelined batches, the latest value of each field only. A batch that fails goes back
    /// (unless newer values replaced it) and is tried again once Redis answers; nothing waits for it.
    /// </summary>
    private async Task PresenceLoopAsync()
    {
        while (true)
        {
            await _presenceWakeup.WaitAsync(_stopping.Token).ConfigureAwait(false);
            while (!_presencePending.IsEmpty)
            {
                if (Volatile.Read(ref _stopped))
                {
                    _presencePending.Clear();
                    break;
                }
                await WaitForConnectionAsync().ConfigureAwait(false);
                var batch = new List<KeyValuePair<(string Key, string Field), string?>>(PresenceBatch);
                foreach (var entry in _presencePending)
                {
                    // Taken only if unchanged meanwhile: a newer value stays for the next batch, written after this one.
                    if (_presencePending.TryRemove(entry)) batch.Add(entry);
                    if (batch.Count == PresenceBatch) break;
                }
                try
                {
                    await WritePresenceAsync(batch).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    Log.ControlFailed(_logger, exception);
                    foreach (var entry in batch) _presencePending.TryAdd(entry.Key, entry.Value);
                    await Task.Delay(s_retryPause, _time, _stopping.Token).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Presence writes and the rewrite after Redis lost its data, one at a time: a change made after the rewrite's
    /// snapshot is written after it.
    /// </summary>
    private async Task UnderPresenceGateAsync(Func<Task> write)
    {
        await _presenceGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            _presenceGate.Release();
        }
    }

    private Task WritePresenceAsync(List<KeyValuePair<(string Key, string Field), string?>> batch) => UnderPresenceGateAsync(async () =>
    {
        var database = _redis!.GetDatabase();
        var writes = new List<Task>();
        foreach (var byKey in batch.GroupBy(static entry => entry.Key.Key))
        {
            RedisKey key = byKey.Key;
            var sets = byKey.Where(static e => e.Value is not null).Select(static e => new HashEntry(e.Key.Field, e.Value)).ToArray();
            var deletes = byKey.Where(static e => e.Value is null).Select(static e => (RedisValue)e.Key.Field).ToArray();
            if (sets.Length > 0)
            {
                writes.Add(database.HashSetAsync(key, sets));
                writes.Add(database.KeyExpireAsync(key, _options.NodeExpiry * 2));
            }
            if (deletes.Length > 0) writes.Add(database.HashDeleteAsync(key, deletes));
        }
        await Task.WhenAll(writes).ConfigureAwait(false);
    });

    /// <summary>Runs a loop again after a failure it did not expect (logged), until the backplane stops.</summary>
    private async Task KeepRunningAsync(Func<Task> loop, string name)
    {
        while (true)
        {
            try
            {
                await loop().ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.LoopFailed(_logger, exception, name);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The heartbeat, on its own: never queued behind presence or interest, never two at once.</summary>
    private void Beat()
    {
        if (Volatile.Read(ref _stopped)) return;
        // Channels given up on are tried again at each beat, whichever connection to Redis came back.
        if (!_interestGivenUp.IsEmpty)
        {
            foreach (var name in _interestGivenUp.Keys)
            {
                if (_interestGivenUp.TryRemove(name, out var channel)) _interestDirty.TryAdd(name, channel);
            }
            _interestWakeup.Set();
        }
        if (Interlocked.Exchange(ref _heartbeatRunning, 1) == 1) return;
        _ = BeatAsync();

        async Task BeatAsync()
        {
            try
            {
                if (IsConnected) await HeartbeatAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                Log.ControlFailed(_logger, exception);
            }
            finally
            {
                Volatile.Write(ref _heartbeatRunning, 0);
            }
        }
    }

    private async Task HeartbeatAsync()
    {
        var database = _redis!.GetDatabase();
        var now = _time.GetUtcNow();
        var expires = (now + _options.NodeExpiry).ToUnixTimeMilliseconds();
        // Added rather than updated: Redis does not know this server (first beat, or it lost its data).
        if (await database.SortedSetAddAsync(NodesKey, NodeId, expires).ConfigureAwait(false)) await RewritePresenceAsync(database).ConfigureAwait(false);
        await Task.WhenAll(_endpoints.Keys.Select(endpoint => database.KeyExpireAsync(PresenceKey(endpoint, NodeId), _options.NodeExpiry * 2))).ConfigureAwait(false);
        await database.SortedSetRemoveRangeByScoreAsync(NodesKey, double.NegativeInfinity, now.ToUnixTimeMilliseconds()).ConfigureAwait(false);
    }

    private Task RewritePresenceAsync(IDatabase database) => UnderPresenceGateAsync(async () =>
    {
        var snapshot = _host!.Snapshot();
        foreach (var endpoint in snapshot.Select(static c => c.Endpoint).Distinct()) _endpoints.TryAdd(endpoint, true);
        foreach (var endpoint in _endpoints.Keys)
        {
            var key = PresenceKey(endpoint, NodeId);
            var entries = new List<HashEntry>();
            var groupCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            var connections = 0;
            foreach (var connection in snapshot.Where(c => c.Endpoint == endpoint))
            {
                connections++;
                entries.Add(new(ConnectionField(connection.ConnectionId), PresenceValue(connection.UserId, connection.Since)));
                foreach (var (group, since) in connection.Groups)
                {
                    entries.Add(new(GroupField(connection.ConnectionId, group), PresenceValue(connection.UserId, since)));
                    groupCounts[group] = groupCounts.GetValueOrDefault(group) + 1;
                }
            }
            if (connections > 0) entries.Add(new(ConnectionsCountField, connections));
            foreach (var (group, count) in groupCounts) entries.Add(new(GroupCountField(group), count));
            await database.KeyDeleteAsync(key).ConfigureAwait(false);
            if (entries.Count == 0) continue;
            await database.HashSetAsync(key, [.. entries]).ConfigureAwait(false);
            await database.KeyExpireAsync(key, _options.NodeExpiry * 2).ConfigureAwait(false);
        }
        Log.PresenceRewritten(_logger, snapshot.Count);
    });

    /// <summary>An auto-reset signal for a loop with one waiter: a set while it works is not lost.</summary>
    private sealed class Wakeup
    {
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

        public void Set() => _signal.Writer.TryWrite(true);

        public async Task WaitAsync(CancellationToken cancellationToken) => await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<HashSet<string>> LiveNodesAsync()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var nodes = await _redis!.GetDatabase().SortedSetRangeByScoreAsync(NodesKey, now, double.PositiveInfinity, Exclude.Start).ConfigureAwait(false);
        return nodes.Select(static n => n.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The other live servers' presence fields for the endpoint that match <paramref name="pattern"/> (only those cross
    /// the network); none while Redis is away (only this server's are known then).
    /// </summary>
    private async Task<List<(string Field, string Value)>> RemotePresenceAsync(string endpoint, string pattern, CancellationToken cancellationToken)
    {
        var entries = new List<(string, string)>();
        if (!IsConnected) return entries;
        try
        {
            var database = _redis!.GetDatabase();
            foreach (var node in await LiveNodesAsync().ConfigureAwait(false))
            {
                if (node == NodeId) continue;
                await foreach (var entry in database.HashScanAsync(PresenceKey(endpoint, node), pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    entries.Add((entry.Name.ToString(), entry.Value.ToString()));
                }
            }
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
        {
            Log.PresenceUnavailable(_logger, exception);
        }
        return entries;
    }

    private async ValueTask<int> RemoteCountAsync(string endpoint, string field, CancellationToken cancellationToken)
    {
        if (!IsConnected) return 0;
        try
        {
            var database = _redis!.GetDatabase();
            var nodes = (await LiveNodesAsync().ConfigureAwait(false)).Where(node => node != NodeId).ToList();
            var counts = await Task.WhenAll(nodes.Select(node => database.HashGetAsync(PresenceKey(endpoint, node), field))).WaitAsync(cancellationToken).ConfigureAwait(false);
            return counts.Sum(static count => count.TryParse(out int value) ? value : 0);
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
        {
            Log.PresenceUnavailable(_logger, exception);
            return 0;
        }
    }

    private static string GlobEscape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    // ---- the connection ------------------------------------------------------------------------------------

    private async Task ConnectAsync()
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) Log.ConnectionLost(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        };
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive) return;
            Interlocked.Increment(ref _reconnects);
            s_reconnects.Add(1);
            Log.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
            // The server may have restarted empty: beat now, and rewrite presence if it forgot this server.
            Beat();
            Interlocked.Exchange(ref _connectedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        };
        _redis = redis;
        _nodeSubscription = await SubscribeWhenConnectedAsync(NodeChannel(NodeId)).ConfigureAwait(false);
        Beat(); // the first beat makes this server known: until then it has no presence
        Interlocked.Exchange(ref _connectedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task<ChannelMessageQueue> SubscribeWhenConnectedAsync(RedisChannel channel)
    {
        while (true)
        {
            await WaitForConnectionAsync().ConfigureAwait(false);
            try
            {
                var queue = await _redis!.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
                queue.OnMessage(OnMessage);
                return queue;
            }
            catch (RedisConnectionException)
            {
                // lost again: wait for it
            }
        }
    }

    private async Task WaitForConnectionAsync()
    {
        while (!IsConnected)
        {
            _stopping.Token.ThrowIfCancellationRequested();
            try
            {
                await Volatile.Read(ref _connectedSignal).Task.WaitAsync(TimeSpan.FromMilliseconds(250), _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // look again: the multiplexer reconnects on its own
            }
        }
    }

    // ---- names ---------------------------------------------------------------------------------------------

    private RedisKey NodesKey => $"{_options.ChannelPrefix}:nodes";

    private RedisKey PresenceKey(string endpoint, string node) => $"{_options.ChannelPrefix}:{endpoint}:n:{node}";

    private RedisChannel ChannelOf(string endpoint, BackplaneTarget target, string key) => Named(target switch
    {
        BackplaneTarget.Group => $"{_options.ChannelPrefix}:{endpoint}:g:{ChannelSafe(key)}",
        BackplaneTarget.User => $"{_options.ChannelPrefix}:{endpoint}:u:{ChannelSafe(key)}",
        _ => $"{_options.ChannelPrefix}:{endpoint}:all",
    });

    /// <summary>
    /// A client-chosen name must not pick the Redis Cluster hash slot of its channel (a "{tag}" does that with sharded
    /// pub/sub): braces are escaped, and so is the escape character, so that distinct names stay distinct.
    /// </summary>
    private static string ChannelSafe(string key)
        => key.AsSpan().IndexOfAny('{', '}', '%') < 0 ? key : key.Replace("%", "%25", StringComparison.Ordinal).Replace("{", "%7B", StringComparison.Ordinal).Replace("}", "%7D", StringComparison.Ordinal);

    private RedisChannel NodeChannel(string node) => Named($"{_options.ChannelPrefix}:node:{node}");

    private RedisChannel Named(string name) => _options.UseShardedPubSub ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);

    private static string? NodeOf(string connectionId)
    {
        var slash = connectionId.IndexOf('/');
        return slash > 0 ? connectionId[..slash] : null;
    }

    private static string ConnectionField(string connectionId) => "c\t" + connectionId;

    // Counts start with '#': never a connection ("c") or membership ("g") field.
    private const string ConnectionsCountField = "#c";

    private static string GroupCountField(string group) => "#g\t" + group;

    private static string GroupField(string connectionId, string group) => "g\t" + connectionId + "\t" + group;

    private static string PresenceValue(string? userId, DateTimeOffset since)
        => (userId is null ? "" : "+" + userId) + "\t" + since.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static (string? UserId, DateTimeOffset Since) ParsePresenceValue(string value)
    {
        var tab = value.LastIndexOf('\t');
        var user = tab > 0 && value[0] == '+' ? value[1..tab] : null;
        var since = long.TryParse(value.AsSpan(tab + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : default;
        return (user, since);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Lost the connection to Redis at {EndPoint} ({Failure}); this server's connections still work, messages for other servers are buffered.")]
        public static partial void ConnectionLost(ILogger logger, string endPoint, string failure);

        [LoggerMessage(2, LogLevel.Information, "Reconnected to Redis at {EndPoint}; buffered messages go out now.")]
        public static partial void ConnectionRestored(ILogger logger, string endPoint);

        [LoggerMessage(3, LogLevel.Warning, "A message for other servers was dropped: the outage buffer ({Capacity} messages) is full.")]
        public static partial void Dropped(ILogger logger, int capacity);

        [LoggerMessage(4, LogLevel.Information, "Wrote this server's presence to Redis again ({Connections} connections).")]
        public static partial void PresenceRewritten(ILogger logger, int connections);

        [LoggerMessage(5, LogLevel.Warning, "Could not read other servers' presence from Redis; answering with this server's only.")]
        public static partial void PresenceUnavailable(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Warning, "A Redis command for interest, presence or the heartbeat failed; it is tried again.")]
        public static partial void ControlFailed(ILogger logger, Exception exception);

        [LoggerMessage(7, LogLevel.Warning, "Ignored a message on {Channel} that is not in the Endpoints format.")]
        public static partial void BadMessage(ILogger logger, string channel);

        [LoggerMessage(9, LogLevel.Warning, "Subscribing to a new group or user on Redis took longer than {Seconds} s; going on without waiting.")]
        public static partial void SlowApply(ILogger logger, double seconds);

        [LoggerMessage(10, LogLevel.Warning, "Gave up (un)subscribing Redis channel {Channel} after {Attempts} failed attempts; it is tried again at the next heartbeat. Messages to it from other servers are missed meanwhile.")]
        public static partial void InterestGivenUp(ILogger logger, string channel, int attempts);

        [LoggerMessage(11, LogLevel.Error, "The Redis backplane's {Loop} loop failed; it starts again.")]
        public static partial void LoopFailed(ILogger logger, Exception exception, string loop);

        [LoggerMessage(8, LogLevel.Warning, "Could not remove this server from presence on shutdown; it expires instead.")]
        public static partial void GoodbyeFailed(ILogger logger, Exception exception);
    }
}
