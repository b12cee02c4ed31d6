using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Endpoints.Scaleout;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// The streams of one <see cref="WebSocketDelivery.Resumable"/> endpoint on this server (docs/protocol.md): every
/// message sent through <see cref="IWebSocketClients{TEndpoint}"/> or to a connection is numbered in its stream, kept
/// (bounded by count and age) and delivered under the stream's lock; a connection that subscribes under the same lock
/// first gets what its client missed, then the live messages, so nothing arrives twice, out of order, or goes missing
/// without a gap report.
/// </summary>
internal sealed class ResumableStreams(ConnectionRegistry registry, TimeProvider time, WebSocketHistoryOptions history, SessionTokens tokens)
{
    public const string AllStreamName = "a";

    private static readonly byte[] s_gapHeader = "{\"k\":\"gap\"}\n"u8.ToArray();
    private static readonly byte[] s_subscribedHeader = "{\"k\":\"sub\"}\n"u8.ToArray();
    private static readonly byte[] s_welcomeHeader = "{\"k\":\"welcome\"}\n"u8.ToArray();

    private readonly ConcurrentDictionary<string, StreamHistory> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResumableSession> _sessions = new(StringComparer.Ordinal);
    private long _operations;

    public static string GroupStreamName(string group) => "g:" + group;

    public static string UserStreamName(string userId) => "u:" + userId;

    public static string SessionStreamName(string sessionId) => "s:" + sessionId;

    /// <summary>The welcome a client of an endpoint that is not resumable gets.</summary>
    public static readonly byte[] NotResumableWelcome = "{\"resumable\":false}"u8.ToArray();

    public static byte[] WelcomeHeader => s_welcomeHeader;

    /// <summary>How many streams this server keeps now.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>Numbers, keeps and delivers a message for the target's stream; a connection of a plain client gets it plain.</summary>
    public WebSocketFanOutResult Publish(BackplaneTarget target, string key, IReadOnlyCollection<string> except, WebSocketMessage message)
    {
        string name;
        switch (target)
        {
            case BackplaneTarget.All:
                name = AllStreamName;
                break;
            case BackplaneTarget.Group:
                name = GroupStreamName(key);
                break;
            case BackplaneTarget.User:
                name = UserStreamName(key);
                break;
            default:
                // A connection's own stream is its session's; a plain client's connection has none and keeps nothing.
                if (registry.Find(key)?.Connection.Subscriber is not { } subscriber) return registry.Deliver(target, key, except, message);
                name = subscriber.Session.StreamName;
                break;
        }
        SweepNow();
        while (true)
        {
            var stream = Stream(name);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                var kept = Keep(stream, message, except);
                return registry.Deliver(target, key, except, message, kept.Header);
            }
        }
    }

    /// <summary>The stream of that name, made on first use.</summary>
    public StreamHistory Stream(string name) => _streams.GetOrAdd(name, static (name, time) => new StreamHistory(name, time.GetUtcNow()), time);

    /// <summary>Numbers and keeps a message of <paramref name="stream"/>; called under its lock.</summary>
    public KeptMessage Keep(StreamHistory stream, WebSocketMessage message, IReadOnlyCollection<string>? except = null)
        => stream.Append(message, except ?? [], time.GetUtcNow(), history.MaxMessages, history.MaxAge);

    /// <summary>
    /// Starts or continues the session a client's hello names (a token made for this endpoint and this user), counts the
    /// connection in it, and returns the token the welcome carries.
    /// </summary>
    public StreamSubscriber Open(string connectionId, string? userId, string? token, Dictionary<string, StreamPosition> positions, out string sessionToken)
    {
        Sweep();
        var known = tokens.Validate(token, registry.Name, userId);
        ResumableSession session;
        bool resumed;
        if (known is not null && _sessions.TryGetValue(known, out var existing) && existing.UserId == userId)
        {
            session = existing;
            resumed = true;
        }
        else
        {
            // A valid token of a session this server no longer holds keeps its id: its stream's new epoch reports the gap.
            session = _sessions.GetOrAdd(known ?? SessionTokens.NewSessionId(), static (id, userId) => new ResumableSession(id, userId), userId);
            resumed = false;
        }
        lock (session) session.Open++;
        session.AddConnection(connectionId);
        sessionToken = tokens.Create(session.Id, registry.Name, userId);
        return new StreamSubscriber(session, resumed, positions);
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
    /// live, one stream at a time under its lock.
    /// </summary>
    public bool GoLive(RegisteredConnection entry, StreamSubscriber subscriber)
    {
        var complete = Subscribe(entry, subscriber, AllStreamName, BackplaneTarget.All);
        if (entry.UserId is { } userId) complete &= Subscribe(entry, subscriber, UserStreamName(userId), BackplaneTarget.User);
        complete &= Subscribe(entry, subscriber, subscriber.Session.StreamName, BackplaneTarget.Connection);
        return complete;
    }

    /// <summary>
    /// Joins a group: the membership, the replay from the client's position (if it presented one) and the stream's
    /// position, under the stream's lock. False when nothing changed (as <see cref="ConnectionRegistry.Join"/>).
    /// </summary>
    public bool Join(RegisteredConnection entry, string group, out bool replayComplete)
    {
        replayComplete = true;
        var name = GroupStreamName(group);
        while (true)
        {
            var stream = Stream(name);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                if (!registry.Join(entry, group)) return false;
                stream.Touch(time.GetUtcNow());
                if (entry.Connection.Subscriber is { } subscriber) replayComplete = Replay(entry, subscriber, stream);
                return true;
            }
        }
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
        Touch(subscriber.Session.StreamName, now);
        if (userId is not null) Touch(UserStreamName(userId), now);
        foreach (var group in groups) Touch(GroupStreamName(group), now);
    }

    private void Touch(string name, DateTimeOffset now)
    {
        if (!_streams.TryGetValue(name, out var stream)) return;
        lock (stream.Gate) stream.Touch(now);
    }

    private bool Subscribe(RegisteredConnection entry, StreamSubscriber subscriber, string name, BackplaneTarget target)
    {
        while (true)
        {
            var stream = Stream(name);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                stream.Touch(time.GetUtcNow());
                var complete = Replay(entry, subscriber, stream);
                subscriber.GoLive(target);
                return complete;
            }
        }
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
        return connection.TryEnqueueControl(WebSocketMessage.FromUtf8Text(Subscribed(stream)), s_subscribedHeader);
    }

    private static ReadOnlyMemory<byte> Gap(string stream, StreamPosition position, long? count)
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

    private static ReadOnlyMemory<byte> Subscribed(StreamHistory stream)
    {
        var buffer = new ArrayBufferWriter<byte>(48 + stream.Name.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("s"u8, stream.Name);
            writer.WriteString("e"u8, stream.Epoch);
            writer.WriteNumber("o"u8, stream.LastOffset);
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
            bool expired;
            lock (session) expired = session.Open == 0 && now - session.EndedAt > history.MaxAge;
            if (expired) _sessions.TryRemove(id, out _);
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
