using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Endpoints.Scaleout;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// The streams of one <see cref="WebSocketDelivery.Resumable"/> endpoint (docs/protocol.md). Every message sent through
/// <see cref="IWebSocketClients{TEndpoint}"/> or to a connection is numbered in its stream and kept (bounded by count
/// and age); a connection that subscribes first gets what its client missed, then the live messages, so nothing arrives
/// twice, out of order, or goes missing without a gap report.
/// <para>
/// On its own a server numbers and keeps everything itself, and delivers under the stream's lock, so a subscription
/// under the same lock sees the replay and the live messages in order. With an <see cref="IWebSocketStreamBackplane"/>
/// the backplane numbers and keeps groups', users' and all's messages for every server and hands them back to each in
/// order; a subscription reads the stream's history from it while the live messages wait, then sends both. A session's
/// own stream is numbered here (one server holds the connection) and copied to the backplane, so another server can
/// replay it.
/// </para>
/// </summary>
internal sealed class ResumableStreams(ConnectionRegistry registry, TimeProvider time, WebSocketHistoryOptions history, byte[]? sessionKey)
{
    public const string AllStreamName = "a";

    private static readonly byte[] s_gapHeader = "{\"k\":\"gap\"}\n"u8.ToArray();
    private static readonly byte[] s_subscribedHeader = "{\"k\":\"sub\"}\n"u8.ToArray();

    private readonly ConcurrentDictionary<string, StreamHistory> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResumableSession> _sessions = new(StringComparer.Ordinal);
    private Task<SessionTokens>? _tokens;
    private long _operations;

    public static string GroupStreamName(string group) => "g:" + group;

    public static string UserStreamName(string userId) => "u:" + userId;

    public static string SessionStreamName(string sessionId) => "s:" + sessionId;

    /// <summary>The welcome a client of an endpoint that is not resumable gets.</summary>
    public static readonly byte[] NotResumableWelcome = "{\"resumable\":false}"u8.ToArray();

    public static byte[] WelcomeHeader { get; } = "{\"k\":\"welcome\"}\n"u8.ToArray();

    /// <summary>How many streams this server keeps (or, with a stream backplane, locks for) now.</summary>
    public int StreamCount => _streams.Count;

    private IWebSocketStreamBackplane? Store => registry.Backplane as IWebSocketStreamBackplane;

    private WebSocketHistoryLimits Limits => new(history.MaxMessages, history.MaxAge);

    /// <summary>How long a connection that ended stays present for its session to come back: at most as long as the session is kept.</summary>
    public TimeSpan PresenceGrace => history.PresenceGrace <= TimeSpan.Zero ? TimeSpan.Zero : history.PresenceGrace < history.MaxAge ? history.PresenceGrace : history.MaxAge;

    /// <summary>
    /// A send through <see cref="IWebSocketClients{TEndpoint}"/>. The result counts this server's connections that took
    /// it at once; with a stream backplane every server (this one too) delivers it when the backplane hands it back, so
    /// the result is empty.
    /// </summary>
    public WebSocketFanOutResult Publish(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message)
    {
        if (target == BackplaneTarget.Connection)
        {
            if (registry.Find(key) is not null) return PublishHere(target, key, except, message);
            // Numbered in its session by the server that holds it.
            registry.Backplane?.Publish(ToBackplane(target, key, except, message));
            return default;
        }
        if (Store is { } store)
        {
            store.PublishNumbered(ToBackplane(target, key, except, message), StreamName(target, key), Limits);
            return default;
        }
        var result = PublishHere(target, key, except, message);
        // A backplane that keeps no streams: each server numbers what it delivers in its own.
        registry.Backplane?.Publish(ToBackplane(target, key, except, message));
        return result;
    }

    /// <summary>Numbers, keeps and delivers a message in this server's stream of the target; a plain client's connection gets it plain.</summary>
    public WebSocketFanOutResult PublishHere(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message)
    {
        string name;
        if (target == BackplaneTarget.Connection)
        {
            // A connection's own stream is its session's; a plain client's connection has none and keeps nothing.
            if (registry.Find(key)?.Connection.Subscriber is not { } subscriber) return registry.Deliver(target, key, except, message);
            var session = subscriber.Session;
            name = session.StreamName;
            // A connection its client has left for a newer one: the session's messages go to the newer one.
            if (session.Owner is { } owner && owner != key && registry.Find(owner) is not null) key = owner;
        }
        else
        {
            name = StreamName(target, key);
        }
        SweepNow();
        while (true)
        {
            var stream = Stream(name);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                var kept = Keep(stream, message, except);
                return registry.Deliver(target, key, except, message, kept.Header, stream.Name, stream.Epoch, kept.Offset);
            }
        }
    }

    /// <summary>A message a stream backplane numbered (on any server), for this server's connections of its target.</summary>
    public WebSocketFanOutResult DeliverNumbered(BackplaneMessage message, string stream, string epoch, long offset)
    {
        var local = WireMessages.FromBytes(message.MessageType, message.Payload);
        var header = StreamHistory.Header(stream, epoch, offset);
        // The local stream is only a lock here: a subscription's replay and these deliveries take turns.
        var lockHolder = Stream(stream);
        lock (lockHolder.Gate) return registry.Deliver(message.Target, message.Key, message.Except, local, header, stream, epoch, offset);
    }

    /// <summary>The stream of that name, made on first use.</summary>
    public StreamHistory Stream(string name) => _streams.GetOrAdd(name, static (name, time) => new StreamHistory(name, time.GetUtcNow()), time);

    /// <summary>Numbers and keeps a message of <paramref name="stream"/> (and with a stream backplane copies a session's there); called under its lock.</summary>
    public KeptMessage Keep(StreamHistory stream, WebSocketMessage message, IReadOnlyCollection<string>? except = null)
    {
        var kept = stream.Append(message, except ?? [], time.GetUtcNow(), history.MaxMessages, history.MaxAge);
        if (Store is { } store && stream.Name.StartsWith("s:", StringComparison.Ordinal))
        {
            store.Keep(registry.Name, stream.Name, stream.Epoch, kept.Offset, kept.Message.MessageType, WireMessages.Bytes(kept.Message), Limits);
        }
        return kept;
    }

    /// <summary>
    /// Starts or continues the session a client's hello names (a token made for this endpoint and this user), counts the
    /// connection in it, and returns the token the welcome carries.
    /// </summary>
    public async ValueTask<(StreamSubscriber Subscriber, string Token)> OpenAsync(string connectionId, string? userId, string? token,
        Dictionary<string, StreamPosition> positions, CancellationToken cancellationToken)
    {
        SweepNow();
        var tokens = await TokensAsync(cancellationToken).ConfigureAwait(false);
        var known = tokens.Validate(token, registry.Name, userId);
        ResumableSession session;
        bool resumed;
        var heldElsewhere = false;
        if (Store is { } store)
        {
            // Any server may have held it: the backplane knows, and what was handled there counts here.
            var id = known ?? SessionTokens.NewSessionId();
            var backplaneSession = await store.OpenSessionAsync(registry.Name, id, cancellationToken).ConfigureAwait(false);
            if (backplaneSession is { } onBackplane)
            {
                session = _sessions.GetOrAdd(id, static (id, state) => new ResumableSession(id, state.userId) { EndedAt = state.now }, (userId, now: time.GetUtcNow()));
                session.HandledElsewhere(onBackplane.Handled);
                resumed = known is not null;
                heldElsewhere = resumed && onBackplane.HeldElsewhere;
            }
            else
            {
                // No server knows it (or the backplane lost it): a new session, whatever this server still holds of it.
                session = _sessions[id] = new ResumableSession(id, userId) { EndedAt = time.GetUtcNow() };
                resumed = false;
            }
        }
        else if (known is not null && _sessions.TryGetValue(known, out var existing) && existing.UserId == userId && !Expired(existing, time.GetUtcNow()))
        {
            session = existing;
            resumed = true;
        }
        else
        {
            // A valid token of a session this server no longer holds keeps its id: its stream's new epoch reports the gap.
            var id = known ?? SessionTokens.NewSessionId();
            session = _sessions[id] = new ResumableSession(id, userId) { EndedAt = time.GetUtcNow() };
            resumed = false;
        }
        lock (session)
        {
            session.Open++;
            // The newest connection owns the session: its own stream is numbered and delivered there only.
            session.Owner = connectionId;
        }
        session.AddConnection(connectionId);
        return (new StreamSubscriber(session, resumed, positions) { HeldElsewhere = heldElsewhere }, tokens.Create(session.Id, registry.Name, userId));
    }

    private bool Expired(ResumableSession session, DateTimeOffset now)
    {
        lock (session) return session.Open == 0 && now - session.EndedAt > history.MaxAge;
    }

    private Task<SessionTokens> TokensAsync(CancellationToken cancellationToken)
    {
        var tokens = Volatile.Read(ref _tokens);
        if (tokens is not null && !tokens.IsFaulted && !tokens.IsCanceled) return tokens.WaitAsync(cancellationToken);
        // The app's key, else the one the servers share through the backplane, else one of this process.
        tokens = sessionKey is not null || Store is null
            ? Task.FromResult(new SessionTokens(sessionKey))
            : SharedTokensAsync(Store);
        Volatile.Write(ref _tokens, tokens);
        // Shared by every hello: one that gives up does not cancel the others'.
        return tokens.WaitAsync(cancellationToken);
    }

    private static async Task<SessionTokens> SharedTokensAsync(IWebSocketStreamBackplane store)
        => new(await store.GetSessionKeyAsync(CancellationToken.None).ConfigureAwait(false));

    /// <summary>A client message number: true when it is to be handled (and, with a stream backplane, recorded for every server).</summary>
    public bool TryHandle(ResumableSession session, long number)
    {
        if (!session.TryHandle(number)) return false;
        Store?.RecordHandled(registry.Name, session.Id, number);
        return true;
    }

    /// <summary>The welcome's payload for a subscriber.</summary>
    public static byte[] Welcome(StreamSubscriber subscriber, string sessionToken)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("resumable"u8, true);
            writer.WriteString("session"u8, sessionToken);
            writer.WriteBoolean("resumed"u8, subscriber.Resumed);
            writer.WriteNumber("received"u8, subscriber.Session.LastHandled);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// After the welcome: replays all, the user's and the session's streams from the client's positions and makes each
    /// live. False when not all of it could be sent (the client is asked to come back).
    /// </summary>
    public async ValueTask<bool> GoLiveAsync(RegisteredConnection entry, StreamSubscriber subscriber, CancellationToken cancellationToken)
    {
        var complete = await SubscribeAsync(entry, subscriber, AllStreamName, cancellationToken).ConfigureAwait(false);
        if (entry.UserId is { } userId) complete &= await SubscribeAsync(entry, subscriber, UserStreamName(userId), cancellationToken).ConfigureAwait(false);
        complete &= await SubscribeSessionAsync(entry, subscriber, cancellationToken).ConfigureAwait(false);
        return complete;
    }

    /// <summary>
    /// Joins a group: the membership now, then the replay from the client's position (if it presented one) and the
    /// stream's position, done when <paramref name="replayed"/> completes (at once on a server on its own). False when
    /// nothing changed (as <see cref="ConnectionRegistry.Join"/>).
    /// </summary>
    public bool Join(RegisteredConnection entry, string group, CancellationToken cancellationToken, out ValueTask<bool> replayed)
    {
        var name = GroupStreamName(group);
        var subscriber = entry.Connection.Subscriber;
        replayed = new ValueTask<bool>(true);
        if (Store is null)
        {
            while (true)
            {
                var stream = Stream(name);
                lock (stream.Gate)
                {
                    if (stream.Evicted) continue;
                    if (!registry.Join(entry, group)) return false;
                    stream.Touch(time.GetUtcNow());
                    if (subscriber is not null) replayed = new ValueTask<bool>(Replay(entry, subscriber, stream));
                    return true;
                }
            }
        }
        lock (Stream(name).Gate)
        {
            if (!registry.Join(entry, group)) return false;
            subscriber?.BeginCatchUp(name);
        }
        if (subscriber is not null) replayed = CatchUpAfterJoinAsync(entry, subscriber, name, cancellationToken);
        return true;
    }

    private async ValueTask<bool> CatchUpAfterJoinAsync(RegisteredConnection entry, StreamSubscriber subscriber, string name, CancellationToken cancellationToken)
    {
        try
        {
            // What is sent to the group from now on reaches this server: whatever the read misses arrives live and waits.
            await registry.WhenBackplaneAppliedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The backplane is away (or the join given up): the read below says so to the client, and the stream goes live.
        }
        return await CatchUpAsync(entry, subscriber, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A connection of the session ended: the session and the streams it left are kept from now for the history's age.</summary>
    public void Close(StreamSubscriber subscriber, string? userId, IEnumerable<string> groups)
    {
        var now = time.GetUtcNow();
        lock (subscriber.Session)
        {
            subscriber.Session.Open--;
            subscriber.Session.EndedAt = now;
        }
        Store?.CloseSession(registry.Name, subscriber.Session.Id, history.MaxAge);
        Touch(subscriber.Session.StreamName, now);
        if (userId is not null) Touch(UserStreamName(userId), now);
        foreach (var group in groups) Touch(GroupStreamName(group), now);
    }

    private void Touch(string name, DateTimeOffset now)
    {
        if (!_streams.TryGetValue(name, out var stream)) return;
        lock (stream.Gate) stream.Touch(now);
    }

    private async ValueTask<bool> SubscribeAsync(RegisteredConnection entry, StreamSubscriber subscriber, string name, CancellationToken cancellationToken)
    {
        if (Store is null)
        {
            while (true)
            {
                var stream = Stream(name);
                lock (stream.Gate)
                {
                    if (stream.Evicted) continue;
                    stream.Touch(time.GetUtcNow());
                    var complete = Replay(entry, subscriber, stream);
                    subscriber.EndCatchUp(name, new StreamPosition(stream.Epoch, stream.LastOffset));
                    return complete;
                }
            }
        }
        lock (Stream(name).Gate) subscriber.BeginCatchUp(name);
        return await CatchUpAsync(entry, subscriber, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The session's own stream, kept here. With a stream backplane its epoch is the backplane's, and a session resumed
    /// from another server continues that server's stream: read from the backplane, replayed, and numbered on from there.
    /// </summary>
    private async ValueTask<bool> SubscribeSessionAsync(RegisteredConnection entry, StreamSubscriber subscriber, CancellationToken cancellationToken)
    {
        var name = subscriber.Session.StreamName;
        BackplaneStreamSnapshot? elsewhere = null;
        // With a stream backplane the backplane's copy wins when it knows more: the session may have gone on elsewhere.
        if (Store is { } store && (subscriber.Resumed || Stream(name) is { LastOffset: 0, Count: 0 }))
        {
            var presented = subscriber.PeekPosition(name, out var position);
            var after = subscriber.Resumed && presented ? position.Offset : long.MaxValue;
            elsewhere = await ReadOrNullAsync(store, name, after, cancellationToken).ConfigureAwait(false);
            if (elsewhere is not null && after != long.MaxValue && position.Epoch != elsewhere.Epoch) elsewhere = await ReadOrNullAsync(store, name, 0, cancellationToken).ConfigureAwait(false);
        }
        while (true)
        {
            var stream = Stream(name);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                stream.Touch(time.GetUtcNow());
                bool complete;
                if (elsewhere is not null && (stream is { LastOffset: 0, Count: 0 } || elsewhere.Epoch != stream.Epoch || elsewhere.LastOffset > stream.LastOffset))
                {
                    var presented = subscriber.PeekPosition(name, out var position) && position.Epoch == elsewhere.Epoch ? position.Offset : 0;
                    stream.Continue(elsewhere.Epoch, Math.Max(elsewhere.LastOffset, presented));
                    complete = SendReplay(entry, subscriber, name, elsewhere, out _);
                }
                else
                {
                    // The client may have more of this epoch than this server kept (another server numbered it and died before
                    // copying): numbers go on after the client's, so none is given twice.
                    if (subscriber.PeekPosition(name, out var position) && position.Epoch == stream.Epoch && position.Offset > stream.LastOffset)
                    {
                        stream.Continue(stream.Epoch, position.Offset);
                    }
                    complete = Replay(entry, subscriber, stream);
                }
                subscriber.EndCatchUp(name, new StreamPosition(stream.Epoch, stream.LastOffset));
                return complete;
            }
        }
    }

    private async ValueTask<BackplaneStreamSnapshot?> ReadOrNullAsync(IWebSocketStreamBackplane store, string name, long after, CancellationToken cancellationToken)
    {
        try
        {
            return await store.ReadAsync(registry.Name, name, after, Limits, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// With a stream backplane: reads what the client missed while the stream's live messages wait, then, under the
    /// stream's lock, sends the replay, what waited (once), and the position. When the backplane cannot be read, the
    /// client is told that it may have missed messages (a gap of unknown size) and the stream goes live.
    /// </summary>
    private async ValueTask<bool> CatchUpAsync(RegisteredConnection entry, StreamSubscriber subscriber, string name, CancellationToken cancellationToken)
    {
        var store = Store!;
        var presented = subscriber.PeekPosition(name, out var position);
        BackplaneStreamSnapshot? snapshot = null;
        try
        {
            snapshot = await ReadOrNullAsync(store, name, presented ? position.Offset : long.MaxValue, cancellationToken).ConfigureAwait(false);
            if (snapshot is not null && presented && position.Epoch != snapshot.Epoch) snapshot = await ReadOrNullAsync(store, name, 0, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Given up (the connection is going): the stream still goes live below, so nothing waits for ever.
            snapshot = null;
        }
        lock (Stream(name).Gate)
        {
            var connection = entry.Connection;
            var complete = true;
            StreamPosition reached;
            if (snapshot is null)
            {
                subscriber.TakePosition(name, out _);
                if (presented) complete = connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Gap(name, position, count: null)), s_gapHeader);
                reached = presented ? position : new StreamPosition("", 0);
            }
            else
            {
                complete = SendReplay(entry, subscriber, name, snapshot, out reached);
            }
            foreach (var waiting in subscriber.EndCatchUp(name, reached))
            {
                if (waiting.Epoch == reached.Epoch && waiting.Offset <= reached.Offset) continue;
                complete &= connection.TryEnqueue(waiting.Message, waiting.Header);
                reached = new StreamPosition(waiting.Epoch, waiting.Offset);
            }
            subscriber.Reached(name, reached);
            if (snapshot is not null) complete &= connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Position(name, reached)), s_subscribedHeader);
            return complete;
        }
    }

    /// <summary>
    /// Sends a replay read from a backplane: a gap report for what it no longer holds, then what it holds after the
    /// client's position; <paramref name="reached"/> is where the client is after it.
    /// </summary>
    private bool SendReplay(RegisteredConnection entry, StreamSubscriber subscriber, string name, BackplaneStreamSnapshot snapshot, out StreamPosition reached)
    {
        var connection = entry.Connection;
        reached = new StreamPosition(snapshot.Epoch, snapshot.LastOffset);
        if (!subscriber.TakePosition(name, out var position)) return true; // a new subscription starts at the stream's position
        var after = 0L;
        if (position.Epoch != snapshot.Epoch)
        {
            if (!connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Gap(name, position, count: null)), s_gapHeader)) return false;
        }
        else
        {
            after = position.Offset;
            var firstKept = snapshot.Entries.Count > 0 ? snapshot.Entries[0].Offset : snapshot.LastOffset + 1;
            if (after < firstKept - 1 && !connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Gap(name, position, firstKept - 1 - after)), s_gapHeader)) return false;
            reached = new StreamPosition(snapshot.Epoch, Math.Max(after, snapshot.LastOffset));
        }
        foreach (var kept in snapshot.Entries)
        {
            if (kept.Offset <= after || subscriber.Session.WasExcluded([.. kept.Except])) continue;
            if (!connection.TryEnqueue(WireMessages.FromBytes(kept.MessageType, kept.Payload), StreamHistory.Header(name, snapshot.Epoch, kept.Offset))) return false;
        }
        return true;
    }

    /// <summary>
    /// Under the stream's lock: a gap report for what cannot be replayed, the kept messages after the client's position
    /// (none it was excluded from), then the stream's current position. False when the outbox could not take them all
    /// (the client is asked to come back and resume from what it got).
    /// </summary>
    private bool Replay(RegisteredConnection entry, StreamSubscriber subscriber, StreamHistory stream)
    {
        var connection = entry.Connection;
        stream.Trim(time.GetUtcNow(), history.MaxMessages, history.MaxAge);
        if (subscriber.TakePosition(stream.Name, out var position))
        {
            var after = 0L;
            if (position.Epoch != stream.Epoch)
            {
                if (!connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Gap(stream.Name, position, count: null)), s_gapHeader)) return false;
            }
            else
            {
                after = Math.Min(position.Offset, stream.LastOffset);
                var firstKept = stream.FirstKeptOffset;
                if (after < firstKept - 1 && !connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Gap(stream.Name, position, firstKept - 1 - after)), s_gapHeader)) return false;
            }
            foreach (var kept in stream.After(after))
            {
                if (subscriber.Session.WasExcluded(kept.Except)) continue;
                if (!connection.TryEnqueue(kept.Message, kept.Header)) return false;
            }
        }
        return connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Position(stream.Name, new StreamPosition(stream.Epoch, stream.LastOffset))), s_subscribedHeader);
    }

    private static string StreamName(BackplaneTarget target, string key) => target switch
    {
        BackplaneTarget.Group => GroupStreamName(key),
        BackplaneTarget.User => UserStreamName(key),
        _ => AllStreamName,
    };

    private BackplaneMessage ToBackplane(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message)
        => new(registry.Name, target, key, except, message.MessageType, WireMessages.Bytes(message));

    private static ReadOnlyMemory<byte> Gap(string stream, StreamPosition position, long? count) => PositionJson(stream, position, count);

    private static ReadOnlyMemory<byte> Position(string stream, StreamPosition position) => PositionJson(stream, position, count: null);

    /// <summary><c>{"s":…,"e":…,"o":…}</c>, with <c>"count"</c> when one is given: a gap's and a subscription's payload.</summary>
    private static ReadOnlyMemory<byte> PositionJson(string stream, StreamPosition position, long? count)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + stream.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("s"u8, stream);
            writer.WriteString("e"u8, position.Epoch);
            writer.WriteNumber("o"u8, position.Offset);
            if (count is { } lost) writer.WriteNumber("count"u8, lost);
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    /// <summary>Every so often, on the send path: what has outlived the history goes.</summary>
    private void SweepNow()
    {
        if ((Interlocked.Increment(ref _operations) & 1023) == 0) Sweep();
    }

    /// <summary>
    /// Drops sessions whose last connection ended longer ago than the history's age, and streams that hold nothing and
    /// were last used longer ago than that.
    /// </summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (Expired(session, now)) _sessions.TryRemove(new KeyValuePair<string, ResumableSession>(id, session));
        }
        foreach (var (name, stream) in _streams)
        {
            lock (stream.Gate)
            {
                stream.Trim(now, history.MaxMessages, history.MaxAge);
                if (stream.Count > 0 || now - stream.LastUsed <= history.MaxAge || HasListeners(name)) continue;
                stream.Evicted = true;
                _streams.TryRemove(name, out _);
            }
        }
    }

    private bool HasListeners(string name) => name switch
    {
        AllStreamName => registry.Count > 0,
        _ when name.StartsWith("g:", StringComparison.Ordinal) => registry.CountMembers(name[2..]) > 0,
        _ when name.StartsWith("u:", StringComparison.Ordinal) => registry.ConnectionsOf(name[2..]).Length > 0,
        _ => _sessions.TryGetValue(name[2..], out var session) && session.Open > 0,
    };
}
