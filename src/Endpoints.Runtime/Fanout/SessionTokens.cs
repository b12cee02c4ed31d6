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

    /// <summary>When its last connection ended.</summary>
    public DateTimeOffset EndedAt { get; set; }

    /// <summary>The highest client message number handled in the session.</summary>
    public long LastHandled => Volatile.Read(ref _lastHandled);

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
/// when it subscribes to each stream), and which of its implicit streams (all, user, session) it takes live yet.
/// </summary>
internal sealed class StreamSubscriber(ResumableSession session, bool resumed, Dictionary<string, StreamPosition> positions)
{
    // Whether the replay of all, the user's and the session's stream is done: their live messages go to it from then on.
    private volatile bool _allLive, _userLive, _sessionLive;

    public ResumableSession Session { get; } = session;

    public bool Resumed { get; } = resumed;

    /// <summary>Whether live messages for this kind of target reach it yet (a group's do once it is a member).</summary>
    public bool IsLive(Endpoints.Scaleout.BackplaneTarget target) => target switch
    {
        Endpoints.Scaleout.BackplaneTarget.All => _allLive,
        Endpoints.Scaleout.BackplaneTarget.User => _userLive,
        Endpoints.Scaleout.BackplaneTarget.Connection => _sessionLive,
        _ => true,
    };

    public void GoLive(Endpoints.Scaleout.BackplaneTarget target)
    {
        switch (target)
        {
            case Endpoints.Scaleout.BackplaneTarget.All:
                _allLive = true;
                break;
            case Endpoints.Scaleout.BackplaneTarget.User:
                _userLive = true;
                break;
            case Endpoints.Scaleout.BackplaneTarget.Connection:
                _sessionLive = true;
                break;
        }
    }

    /// <summary>The position presented for a stream, taken once: a later subscription to it starts live.</summary>
    public bool TakePosition(string stream, out StreamPosition position)
    {
        lock (positions) return positions.Remove(stream, out position);
    }
}
