namespace Chaos;

/// <summary>
/// What one subscriber got of one stream, by publisher sequence number (dense from 1): how often each arrived, whether
/// it came after a higher one, and the ranges that gap events said may be missing.
/// </summary>
internal sealed class StreamLog
{
    private const byte Late = 0x80;
    private const byte CountMask = 0x7f;
    private byte[] _seen = new byte[64];
    private bool _gapOpen;
    private long _gapAfter;

    /// <summary>When the subscriber first got the stream's "sub" (or, on a Live endpoint, its first welcome); −1 before.</summary>
    public long SubscribedAt { get; set; } = -1;

    public long MaxSeq { get; private set; }

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public long Reorders { get; private set; }

    public long GapEvents { get; private set; }

    /// <summary>Sequence numbers strictly between After and Before may be missing: a gap event came in between.</summary>
    public List<(long After, long Before)> Gaps { get; } = [];

    public void Record(long seq)
    {
        if (seq <= 0) return;
        if (seq >= _seen.Length) Array.Resize(ref _seen, (int)Math.Max(seq + 1, _seen.Length * 2L));
        ref var entry = ref _seen[seq];
        var count = entry & CountMask;
        if (count > 0) Duplicates++;
        else if (seq < MaxSeq)
        {
            Reorders++;
            entry |= Late;
        }
        if (count < CountMask) entry = (byte)((entry & Late) | (count + 1));
        Received++;
        if (_gapOpen)
        {
            Gaps.Add((_gapAfter, seq));
            _gapOpen = false;
        }
        if (seq > MaxSeq) MaxSeq = seq;
    }

    public void Gap()
    {
        GapEvents++;
        if (_gapOpen) return;
        _gapOpen = true;
        _gapAfter = MaxSeq;
    }

    /// <summary>A gap with nothing after it covers everything after its start.</summary>
    public void Finish()
    {
        if (!_gapOpen) return;
        Gaps.Add((_gapAfter, long.MaxValue));
        _gapOpen = false;
    }

    public int CountOf(long seq) => seq < _seen.Length ? _seen[seq] & CountMask : 0;

    public bool ArrivedLate(long seq) => seq < _seen.Length && (_seen[seq] & Late) != 0;

    public bool CoveredByGap(long seq)
    {
        foreach (var (after, before) in Gaps)
        {
            if (seq > after && seq < before) return true;
        }
        return false;
    }
}
