using System.Diagnostics;

namespace Chaos;

/// <summary>Deliveries owed to subscribers of one kind of stream, and what became of them.</summary>
internal sealed class Tally
{
    public int Streams;
    /// <summary>(subscriber, stream) pairs checked, and those with a duplicate, a reorder or an unreported loss.</summary>
    public long Pairs, BadPairs, NeverSubscribed;
    public long Owed, ExactlyOnceInOrder, Duplicates, Reorders, LostWithoutGap, CoveredByGap, GapEvents;
}

internal sealed record PhaseResult(string Delivery, Tally Groups, Tally Users)
{
    public long Published { get; init; }
    public long PublishFailed { get; init; }
    public long Switches { get; init; }
    public double PublishP50Ms { get; init; }
    public double PublishP99Ms { get; init; }
    public double PublishSeconds { get; init; }
    public IReadOnlyList<string> Kills { get; init; } = [];
    public long Connects { get; init; }
    public long Forced { get; init; }
    public long Dropped { get; init; }
    public long ConnectFailures { get; init; }
    public long Resumed { get; init; }
    public long NewSessions { get; init; }
    public long PositionRepeats { get; init; }
    public long Misrouted { get; init; }
    public long ProtocolErrors { get; init; }
    public IReadOnlyList<(long Ticks, int Count)> Replays { get; init; } = [];
    public TimeSpan RedisCpu { get; init; }

    /// <summary>Replays of a full history on the quiet cluster after the chaos (resumable only).</summary>
    public ReplayTrialResult? QuietReplays { get; init; }

    /// <summary>Redis's time by command over the publishing (INFO commandstats; scripts' inner commands counted in EVALSHA and on their own).</summary>
    public IReadOnlyList<(string Command, double Microseconds, long Calls)> RedisCommands { get; init; } = [];
    public TimeSpan HaProxyCpu { get; init; }
    public bool AllCaughtUp { get; init; }
    public double DrainSeconds { get; init; }

    public bool Violations => Groups.Duplicates + Users.Duplicates + Groups.Reorders + Users.Reorders + Groups.LostWithoutGap + Users.LostWithoutGap
        + Groups.NeverSubscribed + Users.NeverSubscribed + Misrouted + ProtocolErrors > 0;
}

/// <summary>
/// Compares what each subscriber got with what was published to its streams. A message is owed to a subscriber when
/// the publisher sent it at least <see cref="Options.Settle"/> after the subscriber first subscribed to its stream and
/// the node took it (a failed publish may or may not have been numbered: never owed). Subscribers are members from
/// their first connection to the end, and publishing stops before the drain, so everything owed can arrive.
/// </summary>
internal static class Checker
{
    public static PhaseResult Check(Options options, string delivery, Publisher publisher, List<Subscriber> subscribers)
    {
        Tally groups = new() { Streams = options.Groups }, users = new() { Streams = options.Users };
        var settle = (long)(options.Settle * Stopwatch.Frequency);
        foreach (var subscriber in subscribers)
        {
            foreach (var (name, log) in subscriber.Logs)
            {
                var tally = name.StartsWith("g:", StringComparison.Ordinal) ? groups : users;
                tally.Pairs++;
                tally.Duplicates += log.Duplicates;
                tally.Reorders += log.Reorders;
                tally.GapEvents += log.GapEvents;
                var bad = log.Duplicates > 0 || log.Reorders > 0;
                if (log.SubscribedAt < 0)
                {
                    tally.NeverSubscribed++;
                    tally.BadPairs++;
                    continue;
                }
                var owedFrom = log.SubscribedAt + settle;
                var records = publisher.Streams[name].Records;
                for (var i = 0; i < records.Count; i++)
                {
                    if (!records[i].Ok || records[i].SentAt < owedFrom) continue;
                    long seq = i + 1;
                    tally.Owed++;
                    var count = log.CountOf(seq);
                    if (count == 0)
                    {
                        if (log.CoveredByGap(seq))
                        {
                            tally.CoveredByGap++;
                        }
                        else
                        {
                            tally.LostWithoutGap++;
                            bad = true;
                        }
                    }
                    else if (count == 1 && !log.ArrivedLate(seq))
                    {
                        tally.ExactlyOnceInOrder++;
                    }
                }
                if (bad) tally.BadPairs++;
            }
        }
        return new PhaseResult(delivery, groups, users)
        {
            Published = publisher.Streams.Values.Sum(s => s.Records.Count),
            PublishFailed = publisher.Stats.Failed,
            Switches = publisher.Stats.Switches,
            PublishP50Ms = publisher.Stats.PercentileMs(0.50),
            PublishP99Ms = publisher.Stats.PercentileMs(0.99),
            Connects = subscribers.Sum(s => s.Connects),
            Forced = subscribers.Sum(s => s.ForcedReconnects),
            Dropped = subscribers.Sum(s => s.Dropped),
            ConnectFailures = subscribers.Sum(s => s.ConnectFailures),
            Resumed = subscribers.Sum(s => s.ResumedWelcomes),
            NewSessions = subscribers.Sum(s => s.NewSessionWelcomes),
            PositionRepeats = subscribers.Sum(s => s.PositionRepeats),
            Misrouted = subscribers.Sum(s => s.Misrouted),
            ProtocolErrors = subscribers.Sum(s => s.ProtocolErrors),
            Replays = subscribers.SelectMany(s => s.Replays).ToList(),
        };
    }
}
