using System.Collections.Concurrent;
using Endpoints.Scaleout;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// Subscriptions by interest: this server subscribes to a group's, a user's or an endpoint's channel only while it has a
/// connection there. Changes are counted at once and reconciled with Redis by one loop, coalesced: only a count that
/// crosses zero costs a command, and a round's commands go out together. Each crossing is a request; a round that
/// applied all of them so far releases whoever waits in <see cref="WhenAppliedAsync"/>.
/// </summary>
internal sealed class RedisInterest
{
    private const int MaxAttempts = 5;

    private readonly RedisConnection _connection;
    private readonly RedisNames _names;
    private readonly Action<ChannelMessage> _onMessage;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _applyTimeout;
    private readonly CancellationToken _stopping;
    // How many local connections want each channel; the channels whose subscription must be reconciled.
    private readonly Dictionary<string, int> _interest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisChannel> _dirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelMessageQueue> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisChannel> _givenUp = new(StringComparer.Ordinal);
    private readonly Wakeup _wakeup = new();
    private long _requested, _applied;
    private TaskCompletionSource _appliedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RedisInterest(RedisConnection connection, RedisNames names, Action<ChannelMessage> onMessage, RedisBackplaneOptions options, ILogger logger, TimeProvider time,
        CancellationToken stopping)
    {
        _connection = connection;
        _names = names;
        _onMessage = onMessage;
        _logger = logger;
        _time = time;
        _applyTimeout = options.GroupChangeTimeout;
        _stopping = stopping;
    }

    /// <summary>Subscription changes asked for so far: one per channel whose interest crossed zero.</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>How many of <see cref="Requested"/> a finished round has put in effect.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>The channels a connection's change adds or removes interest in.</summary>
    public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
    {
        switch (change.Kind)
        {
            case WebSocketPresenceChangeKind.Connected:
                Change(_names.ChannelOf(endpoint, BackplaneTarget.All, ""), +1);
                if (change.UserId is { } user) Change(_names.ChannelOf(endpoint, BackplaneTarget.User, user), +1);
                break;
            case WebSocketPresenceChangeKind.Disconnected:
                Change(_names.ChannelOf(endpoint, BackplaneTarget.All, ""), -1);
                if (change.UserId is { } leaving) Change(_names.ChannelOf(endpoint, BackplaneTarget.User, leaving), -1);
                break;
            case WebSocketPresenceChangeKind.JoinedGroup:
                Change(_names.ChannelOf(endpoint, BackplaneTarget.Group, change.Group!), +1);
                break;
            case WebSocketPresenceChangeKind.LeftGroup:
                Change(_names.ChannelOf(endpoint, BackplaneTarget.Group, change.Group!), -1);
                break;
        }
    }

    public void Change(RedisChannel channel, int change)
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
                _dirty[name] = channel;
                Interlocked.Increment(ref _requested);
            }
        }
        if (crossed) _wakeup.Set();
    }

    /// <summary>
    /// Waits for the subscriptions asked for so far (this connection's channels among them) and nothing else: presence
    /// writes and heartbeats never hold a new connection back. Goes on (logged) after the group change timeout.
    /// </summary>
    public async ValueTask WhenAppliedAsync(CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected) return; // nothing to wait for: local delivery works, the rest catches up on reconnect
        var target = Interlocked.Read(ref _requested);
        if (Interlocked.Read(ref _applied) >= target) return;
        var deadline = _time.GetUtcNow() + _applyTimeout;
        try
        {
            while (true)
            {
                var signal = Volatile.Read(ref _appliedSignal).Task;
                if (Interlocked.Read(ref _applied) >= target) return;
                var left = deadline - _time.GetUtcNow();
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                await signal.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            RedisLog.SlowApply(_logger, _applyTimeout.TotalSeconds);
        }
    }

    /// <summary>Channels given up on are tried again (at each heartbeat, whichever connection to Redis came back).</summary>
    public void RetryGivenUp()
    {
        if (_givenUp.IsEmpty) return;
        foreach (var name in _givenUp.Keys)
        {
            if (_givenUp.TryRemove(name, out var channel)) _dirty.TryAdd(name, channel);
        }
        _wakeup.Set();
    }

    /// <summary>
    /// Reconciles the channels whose interest crossed zero, all of a round at once (StackExchange.Redis pipelines them):
    /// a burst of new connections costs a round trip, not one each. A channel that keeps failing is retried with a pause,
    /// without holding the others back, and given up (logged) after <see cref="MaxAttempts"/> rounds until the next
    /// heartbeat.
    /// </summary>
    public async Task LoopAsync()
    {
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            await _wakeup.WaitAsync(_stopping).ConfigureAwait(false);
            // Also while a round's count is behind: a channel marked between reading the count and taking the dirty ones
            // went out in that round, and its waiters are released by the next (empty) round.
            while (!_dirty.IsEmpty || Interlocked.Read(ref _applied) < Interlocked.Read(ref _requested))
            {
                await _connection.WaitForConnectionAsync().ConfigureAwait(false);
                var round = Interlocked.Read(ref _requested);
                var batch = new List<(string Name, RedisChannel Channel)>();
                foreach (var name in _dirty.Keys)
                {
                    if (_dirty.TryRemove(name, out var channel)) batch.Add((name, channel));
                }
                var results = await Task.WhenAll(batch.Select(item => TryApplyAsync(item.Channel, item.Name))).ConfigureAwait(false);
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
                        RedisLog.InterestGivenUp(_logger, name, tries);
                        attempts.Remove(name);
                        _givenUp[name] = batch[i].Channel;
                        continue;
                    }
                    _dirty.TryAdd(name, batch[i].Channel);
                    failed = true;
                }
                if (!failed) MarkApplied(round);
                else await Task.Delay(RedisConnection.RetryPause, _time, _stopping).ConfigureAwait(false);
            }
        }
    }

    private void MarkApplied(long round)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _applied)) < round && Interlocked.CompareExchange(ref _applied, round, seen) != seen)
        {
        }
        Interlocked.Exchange(ref _appliedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Subscribes or unsubscribes one channel to match the interest in it now; false if Redis failed.</summary>
    private async Task<bool> TryApplyAsync(RedisChannel channel, string name)
    {
        try
        {
            bool wanted;
            lock (_interest) wanted = _interest.ContainsKey(name);
            var subscribed = _subscriptions.TryGetValue(name, out var queue);
            if (wanted && !subscribed)
            {
                var subscription = await _connection.Redis.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
                subscription.OnMessage(_onMessage);
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
            RedisLog.ControlFailed(_logger, exception);
            return false;
        }
    }
}
