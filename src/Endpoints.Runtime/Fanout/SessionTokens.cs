using System.Security.Cryptography;
using System.Text;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// Session tokens: the session id and a MAC over it, the endpoint and the user, so a token cannot be guessed or made,
/// and one made for a user resumes nothing for another. Never logged.
/// </summary>
internal sealed class SessionTokens(byte[]? key)
{
    private const int IdLength = 16, MacLength = 16;
    private readonly byte[] _key = key ?? RandomNumberGenerator.GetBytes(32);

    public static string NewSessionId() => Base64Url(RandomNumberGenerator.GetBytes(IdLength));

    public string Create(string sessionId, string endpoint, string? userId) => sessionId + "." + Base64Url(Mac(sessionId, endpoint, userId));

    /// <summary>The session id of a token made for this endpoint and user; null for anything else.</summary>
    public string? Validate(string? token, string endpoint, string? userId)
    {
        if (token is null || token.Length > 200) return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0) return null;
        var sessionId = token[..dot];
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(Padded(token[(dot + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(presented, Mac(sessionId, endpoint, userId)) ? sessionId : null;
    }

    private byte[] Mac(string sessionId, string endpoint, string? userId)
    {
        // Lengths first, so that no two (session, endpoint, user) triples read the same.
        var text = $"{sessionId.Length}:{sessionId}|{endpoint.Length}:{endpoint}|{(userId is null ? "-" : userId.Length + ":" + userId)}";
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text))[..MacLength];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Padded(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return (text.Length % 4) switch { 2 => text + "==", 3 => text + "=", _ => text };
    }
}

/// <summary>
/// One client's session on a resumable endpoint: outlives its connections by the history's age, so that a client that
/// comes back continues it. Holds the highest client message number handled (so a message sent again is handled once).
/// </summary>
internal sealed class ResumableSession(string id, string? userId)
{
    private long _lastHandled;
    private readonly Queue<string> _connectionIds = new();

    public string Id { get; } = id;

    public string? UserId { get; } = userId;

    public string StreamName { get; } = ResumableStreams.SessionStreamName(id);

    /// <summary>How many connections hold it now.</summary>
    public int Open { get; set; }

    /// <summary>The id of its newest connection: the one its own messages go to (set under the session's lock).</summary>
    public string? Owner { get; set; }

    /// <summary>When its last connection ended.</summary>
    public DateTimeOffset EndedAt { get; set; }

    /// <summary>The highest client message number handled in the session.</summary>
    public long LastHandled => Volatile.Read(ref _lastHandled);

    /// <summary>What another server handled in this session before (read when it resumes here).</summary>
    public void HandledElsewhere(long number)
    {
        while (true)
        {
            var last = Volatile.Read(ref _lastHandled);
            if (number <= last || Interlocked.CompareExchange(ref _lastHandled, number, last) == last) return;
        }
    }

    /// <summary>True for a message number above every one handled so far (it is now the highest); false for one handled already.</summary>
    public bool TryHandle(long number)
    {
        while (true)
        {
            var last = Volatile.Read(ref _lastHandled);
            if (number <= last) return false;
            if (Interlocked.CompareExchange(ref _lastHandled, number, last) == last) return true;
        }
    }

    /// <summary>Its connections' ids (the latest few), so a message sent to others than one of them is not replayed to it.</summary>
    public void AddConnection(string connectionId)
    {
        lock (_connectionIds)
        {
            _connectionIds.Enqueue(connectionId);
            if (_connectionIds.Count > 16) _connectionIds.Dequeue();
        }
    }

    public bool WasExcluded(string[] except)
    {
        if (except.Length == 0) return false;
        lock (_connectionIds) return except.Any(_connectionIds.Contains);
    }
}

/// <summary>
/// A connection's part in the streams of a resumable endpoint: its session, the positions its client presented (used
/// when it subscribes to each stream), which of its implicit streams (all, user, session) it takes live yet, and what
/// arrived for a stream while its replay was being read from the backplane. Called under the stream's lock.
/// </summary>
internal sealed class StreamSubscriber(ResumableSession session, bool resumed, Dictionary<string, StreamPosition> positions)
{
    /// <summary>How many live messages of one stream wait for its replay at most; more closes the connection to resume later.</summary>
    public const int MaxWaiting = 1024;

    private readonly object _gate = new();
    // The streams it takes live, each with the position its replay reached: a live message at or before it came in the
    // replay, or was sent before the subscription.
    private readonly Dictionary<string, StreamPosition> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<WaitingMessage>> _catchingUp = new(StringComparer.Ordinal);

    public ResumableSession Session { get; } = session;

    public bool Resumed { get; } = resumed;

    /// <summary>What to do with a live message of a stream.</summary>
    public Offer Offer(string stream, StreamAudience audience, string epoch, long offset, WebSocketMessage message, byte[] header)
    {
        lock (_gate)
        {
            if (_catchingUp.TryGetValue(stream, out var waiting))
            {
                if (waiting.Count >= MaxWaiting) return Fanout.Offer.Overflow;
                waiting.Add(new WaitingMessage(epoch, offset, message, header));
                return Fanout.Offer.Waiting;
            }
            if (_live.TryGetValue(stream, out var reached)) return reached.Epoch == epoch && offset <= reached.Offset ? Fanout.Offer.Skip : Fanout.Offer.Send;
            // A group's messages reach members only; all, the user's and the session's once their replay is done.
            return audience == StreamAudience.GroupMembers ? Fanout.Offer.Send : Fanout.Offer.Skip;
        }
    }

    /// <summary>Live messages of the stream wait from now until <see cref="EndCatchUp"/>.</summary>
    public void BeginCatchUp(string stream)
    {
        lock (_gate) _catchingUp[stream] = [];
    }

    /// <summary>The replay is out up to <paramref name="reached"/>: the stream is live, and what waited is returned to go after it.</summary>
    public List<WaitingMessage> EndCatchUp(string stream, StreamPosition reached)
    {
        lock (_gate)
        {
            _live[stream] = reached;
            return _catchingUp.Remove(stream, out var waiting) ? waiting : [];
        }
    }

    /// <summary>The replay went further (a waiting message went out after it).</summary>
    public void Reached(string stream, StreamPosition reached)
    {
        lock (_gate) _live[stream] = reached;
    }

    /// <summary>The position presented for a stream, without taking it.</summary>
    public bool PeekPosition(string stream, out StreamPosition position)
    {
        lock (positions) return positions.TryGetValue(stream, out position);
    }

    /// <summary>The position presented for a stream, taken once: a later subscription to it starts live.</summary>
    public bool TakePosition(string stream, out StreamPosition position)
    {
        lock (positions) return positions.Remove(stream, out position);
    }
}

/// <summary>
/// Whom a stream's live messages reach: a group's members (the membership is the subscription), or the connection's
/// own streams (all, its user's, its session's), live once their replay is out.
/// </summary>
internal enum StreamAudience
{
    GroupMembers,
    Own,
}

/// <summary>What becomes of a live message offered to a subscriber.</summary>
internal enum Offer
{
    /// <summary>Send it now.</summary>
    Send,

    /// <summary>Not subscribed to that stream yet: its replay will start after it.</summary>
    Skip,

    /// <summary>Kept until the stream's replay is out.</summary>
    Waiting,

    /// <summary>Too much waits: the client must come back and resume.</summary>
    Overflow,
}

/// <summary>A live message that arrived while its stream's replay was being read.</summary>
internal readonly record struct WaitingMessage(string Epoch, long Offset, WebSocketMessage Message, byte[] Header);
