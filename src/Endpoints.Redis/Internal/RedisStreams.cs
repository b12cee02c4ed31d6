using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Endpoints.Scaleout;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// The streams of resumable endpoints on Redis (docs/protocol.md): each stream is a Redis Stream of its messages (ids
/// <c>offset-1</c>, trimmed to about the history's count, expiring after its age), a key with its epoch (gone when Redis
/// lost the stream, so clients learn of the gap) and a key with its last offset. One script numbers, keeps and publishes
/// a message, so every server receives a stream's messages in the order of their offsets. Sessions are hashes holding
/// the highest client message number handled.
/// </summary>
internal sealed class RedisStreams(RedisConnection connection, RedisOutbox outbox, RedisNames names, string nodeId, TimeProvider time)
{
    // Positions outlive the messages: a client that comes back after the history's age learns how many it missed.
    private static readonly TimeSpan s_positionLifetime = TimeSpan.FromDays(1);

    // KEYS: entries, epoch, offset. ARGV: new epoch, max count, now (ms), head, message, history's age (ms), positions'
    // lifetime (ms), publish command, channel.
    // Four commands a message: the lifetimes are renewed when the last renewal (kept beside the epoch, "epoch|ms") is half
    // the history's age old, the entries then for one and a half ages, so every message stays at least the history's age.
    private const string PublishScript = """
        local value = redis.call('GET', KEYS[2])
        local e, renewed = ARGV[1], nil
        if value then
          local bar = string.find(value, '|', 1, true)
          if bar then e = string.sub(value, 1, bar - 1); renewed = tonumber(string.sub(value, bar + 1)) else e = value; renewed = 0 end
        end
        local o = redis.call('INCR', KEYS[3])
        local now, age = tonumber(ARGV[3]), tonumber(ARGV[6])
        local renew = renewed == nil or math.abs(now - renewed) >= age / 2
        if renew then
          redis.call('SET', KEYS[2], e .. '|' .. ARGV[3], 'PX', ARGV[7])
          redis.call('PEXPIRE', KEYS[3], ARGV[7])
        end
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], o .. '-1', 't', ARGV[3], 'd', ARGV[5])
        if renew then redis.call('PEXPIRE', KEYS[1], math.floor(age * 1.5)) end
        redis.call(ARGV[8], ARGV[9], ARGV[4] .. e .. '\n' .. o .. '\n' .. ARGV[5])
        return o
        """;

    // A session's stream, numbered by the server that holds its connection. ARGV: epoch, offset, max count, now, message,
    // entries' lifetime, positions' lifetime. Another epoch starts the stream over: its old entries are not its history.
    private const string KeepScript = """
        local value = redis.call('GET', KEYS[2])
        if value then value = string.match(value, '^[^|]*') end
        if value ~= ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[3])
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[7])
        else
          redis.call('PEXPIRE', KEYS[2], ARGV[7])
        end
        local last = tonumber(redis.call('GET', KEYS[3]) or '0')
        if tonumber(ARGV[2]) > last then
          redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[7])
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[2] .. '-1', 't', ARGV[4], 'd', ARGV[5])
          redis.call('PEXPIRE', KEYS[1], ARGV[6])
        end
        return last
        """;

    // ARGV: new epoch, how many (0: the position only), positions' lifetime, the client's offset. Reads only what comes after
    // the client's offset (a client that missed a few messages costs a few entries, not the whole history), or the newest
    // `how many` when it missed more; oldest first either way.
    private const string ReadScript = """
        local e = redis.call('GET', KEYS[2])
        if e then e = string.match(e, '^[^|]*') else e = ARGV[1]; redis.call('SET', KEYS[2], e, 'PX', ARGV[3]) end
        local o = tonumber(redis.call('GET', KEYS[3]) or '0')
        local count = tonumber(ARGV[2])
        if count == 0 then return {e, o} end
        local after = tonumber(ARGV[4])
        if after >= o then return {e, o, {}} end
        if o - after <= count then
          return {e, o, redis.call('XRANGE', KEYS[1], string.format('%.0f', after + 1) .. '-0', '+', 'COUNT', count)}
        end
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', count)
        local oldestFirst = {}
        for i = #newest, 1, -1 do oldestFirst[#oldestFirst + 1] = newest[i] end
        return {e, o, oldestFirst}
        """;

    // ARGV: lifetime while open (ms), this server. Returns the highest number handled (false for a session no server
    // knew) and the server it was on before (false for none), and records this one.
    private const string OpenSessionScript = """
        local n = redis.call('HGET', KEYS[1], 'n')
        if not n then redis.call('HSET', KEYS[1], 'n', 0) end
        local before = redis.call('HGET', KEYS[1], 'o')
        redis.call('HSET', KEYS[1], 'o', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return {n or false, before or false}
        """;

    private const string HandledScript = """
        if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'n') or '0') then redis.call('HSET', KEYS[1], 'n', ARGV[1]) end
        """;

    private Task<byte[]>? _signingKey;

    public void Publish(BackplaneMessage message, string stream, WebSocketHistoryLimits limits)
    {
        var (entries, epoch, offset, channelName) = names.StreamOf(message.Endpoint, stream);
        var head = RedisWire.EncodeNumberedHead(stream);
        var body = RedisWire.EncodeDeliver(nodeId, message);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        RedisKey[] keys = [entries, epoch, offset];
        RedisValue[] values =
        [
            NewEpoch(), limits.MaxMessages, now, head, body, Milliseconds(limits.MaxAge), Milliseconds(s_positionLifetime),
            names.Sharded ? "SPUBLISH" : "PUBLISH", channelName,
        ];
        outbox.Send(database => database.ScriptEvaluate(PublishScript, keys, values, CommandFlags.FireAndForget));
    }

    public void Keep(string endpoint, string stream, string epoch, long offset, WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, WebSocketHistoryLimits limits)
    {
        var (entries, epochKey, offsetKey, _) = names.StreamOf(endpoint, stream);
        // Kept as a message to the session's connection would travel, so a replay reads every stream the same way.
        var body = RedisWire.EncodeDeliver(nodeId, new BackplaneMessage(endpoint, BackplaneTarget.Connection, "", [], messageType, payload.ToArray()));
        RedisKey[] keys = [entries, epochKey, offsetKey];
        RedisValue[] values =
        [
            epoch, offset, limits.MaxMessages, time.GetUtcNow().ToUnixTimeMilliseconds(), body, Milliseconds(limits.MaxAge), Milliseconds(s_positionLifetime),
        ];
        outbox.Send(database => database.ScriptEvaluate(KeepScript, keys, values, CommandFlags.FireAndForget));
    }

    public async ValueTask<BackplaneStreamSnapshot> ReadAsync(string endpoint, string stream, long after, WebSocketHistoryLimits limits, CancellationToken cancellationToken)
    {
        var (entries, epoch, offset, _) = names.StreamOf(endpoint, stream);
        var count = after == long.MaxValue ? 0 : limits.MaxMessages;
        var result = await connection.Redis.GetDatabase()
            .ScriptEvaluateAsync(ReadScript, [entries, epoch, offset], [NewEpoch(), count, Milliseconds(s_positionLifetime), Math.Max(after, 0)])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var currentEpoch = (string)parts[0]!;
        var last = (long)parts[1];
        if (parts.Length < 3) return new BackplaneStreamSnapshot(currentEpoch, last, []);
        // Only what is young enough and after the position.
        var oldest = time.GetUtcNow() - limits.MaxAge;
        var read = (RedisResult[])parts[2]!;
        var kept = new List<BackplaneStreamEntry>(read.Length);
        foreach (var item in read)
        {
            var entry = (RedisResult[])item!;
            var id = (string)entry[0]!;
            var entryOffset = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            if (entryOffset <= after) continue;
            var fields = (RedisResult[])entry[1]!;
            long at = 0;
            byte[]? body = null;
            for (var f = 0; f + 1 < fields.Length; f += 2)
            {
                var name = (string)fields[f]!;
                if (name == "t") at = (long)fields[f + 1];
                else if (name == "d") body = (byte[])fields[f + 1]!;
            }
            if (body is null || DateTimeOffset.FromUnixTimeMilliseconds(at) < oldest) continue;
            var (_, message) = RedisWire.DecodeDeliver(body);
            kept.Add(new BackplaneStreamEntry(entryOffset, message.MessageType, message.Payload, message.Except));
        }
        return new BackplaneStreamSnapshot(currentEpoch, last, kept);
    }

    /// <summary>The key every server signs session tokens with: made once by whichever server asks first.</summary>
    public ValueTask<byte[]> GetSigningKeyAsync(CancellationToken cancellationToken)
    {
        var key = Volatile.Read(ref _signingKey);
        if (key is null || key.IsFaulted || key.IsCanceled) Volatile.Write(ref _signingKey, key = ReadSigningKeyAsync());
        return new ValueTask<byte[]>(key.WaitAsync(cancellationToken));
    }

    private async Task<byte[]> ReadSigningKeyAsync()
    {
        var database = connection.Redis.GetDatabase();
        await database.StringSetAsync(names.SessionSigningKey, RandomNumberGenerator.GetBytes(32), when: When.NotExists).ConfigureAwait(false);
        return (byte[])(await database.StringGetAsync(names.SessionSigningKey).ConfigureAwait(false))!;
    }

    public async ValueTask<BackplaneSession?> OpenSessionAsync(string endpoint, string sessionId, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await connection.Redis.GetDatabase()
            .ScriptEvaluateAsync(OpenSessionScript, [names.SessionKey(endpoint, sessionId)], [Milliseconds(s_positionLifetime), nodeId])
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        // The server it was on may still count its last connection as present (the grace): it is told to stop.
        var before = result[1].IsNull ? null : (string?)result[1];
        var elsewhere = before is not null && before != nodeId;
        if (elsewhere) outbox.Send(names.NodeChannel(before!), RedisWire.EncodeSessionResumed(endpoint, sessionId));
        return result[0].IsNull ? null : new BackplaneSession((long)result[0], elsewhere);
    }

    /// <summary>Whether the session is on this server now (a notice that it went on elsewhere may come after it came back).</summary>
    public async Task<bool> IsHereAsync(string endpoint, string sessionId)
        => await connection.Redis.GetDatabase().HashGetAsync(names.SessionKey(endpoint, sessionId), "o").ConfigureAwait(false) == nodeId;

    // ARGV: this server. Forgets the server only if it is still this one (the session may have gone on elsewhere).
    private const string SessionLeftScript = """
        if redis.call('HGET', KEYS[1], 'o') == ARGV[1] then redis.call('HDEL', KEYS[1], 'o') end
        """;

    public void SessionLeft(string endpoint, string sessionId)
    {
        RedisKey[] keys = [names.SessionKey(endpoint, sessionId)];
        RedisValue[] values = [nodeId];
        outbox.Send(database => database.ScriptEvaluate(SessionLeftScript, keys, values, CommandFlags.FireAndForget));
    }

    public void RecordHandled(string endpoint, string sessionId, long number)
    {
        RedisKey[] keys = [names.SessionKey(endpoint, sessionId)];
        RedisValue[] values = [number];
        outbox.Send(database => database.ScriptEvaluate(HandledScript, keys, values, CommandFlags.FireAndForget));
    }

    public void CloseSession(string endpoint, string sessionId, TimeSpan keep)
    {
        var key = names.SessionKey(endpoint, sessionId);
        outbox.Send(database => database.KeyExpire(key, keep, CommandFlags.FireAndForget));
    }

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    private static string NewEpoch()
    {
        Span<byte> random = stackalloc byte[6];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random).Replace('+', '-').Replace('/', '_');
    }
}
