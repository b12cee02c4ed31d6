namespace Endpoints.Runtime.Fanout;

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
