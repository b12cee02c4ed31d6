namespace Endpoints.Runtime.Fanout;

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

    /// <summary>Resumed from another server that held its last connection within the presence grace (or died holding it).</summary>
    public bool HeldElsewhere { get; init; }

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
