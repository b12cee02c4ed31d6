using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Chaos;

/// <summary>One publish as the publisher saw it: when it was sent and whether the node took it.</summary>
internal readonly record struct Publish(long SentAt, long AckedAt, bool Ok);

/// <summary>
/// One stream's publishing: numbers 1, 2, 3 … (in the payload, "g:G 17"), one at a time, each through a node's HTTP
/// publish endpoint.
/// </summary>
internal sealed class PublishedStream(string name, string kind, string target, int preferredNode)
{
    private readonly Channel<long> _queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _next;

    public string Name { get; } = name;

    /// <summary>Index seq − 1: every number handed out, in order.</summary>
    public List<Publish> Records { get; } = [];

    public long Enqueue()
    {
        var seq = ++_next;
        _queue.Writer.TryWrite(seq);
        return seq;
    }

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// Sends the queued numbers in order, each after the one before it was taken, through the stream's own node while it
    /// is up (else the next one). A node's publish is fire-and-forget into its Redis outbox, so moving to another node
    /// waits a moment after the last answer: the two nodes' writes to Redis cannot cross.
    /// </summary>
    public async Task PumpAsync(IReadOnlyList<ChaosNode> nodes, string delivery, PublisherStats stats)
    {
        var switchDelay = Stopwatch.Frequency / 4; // 250 ms
        ChaosNode? last = null;
        long lastAck = 0;
        await foreach (var seq in _queue.Reader.ReadAllAsync())
        {
            var sentAt = Stopwatch.GetTimestamp();
            var ok = false;
            var node = Pick(nodes);
            if (node is not null)
            {
                if (last is not null && node != last)
                {
                    var wait = lastAck + switchDelay - Stopwatch.GetTimestamp();
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                    Interlocked.Increment(ref stats.Switches);
                }
                sentAt = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await node.Http.PostAsync($"/publish/{delivery}/{kind}/{target}/{seq.ToString(CultureInfo.InvariantCulture)}", null);
                    ok = response.IsSuccessStatusCode;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ObjectDisposedException)
                {
                }
                last = node;
            }
            var ackedAt = Stopwatch.GetTimestamp();
            if (ok) lastAck = ackedAt;
            else Interlocked.Increment(ref stats.Failed);
            Records.Add(new Publish(sentAt, ackedAt, ok));
            stats.Latency(ackedAt - sentAt);
        }
    }

    private ChaosNode? Pick(IReadOnlyList<ChaosNode> nodes)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[(preferredNode + i) % nodes.Count];
            if (node.Available) return node;
        }
        return null;
    }
}

internal sealed class PublisherStats
{
    public long Failed;
    public long Switches;
    private readonly List<long> _latencies = [];

    public void Latency(long ticks)
    {
        lock (_latencies) _latencies.Add(ticks);
    }

    public double PercentileMs(double p)
    {
        lock (_latencies)
        {
            if (_latencies.Count == 0) return 0;
            _latencies.Sort();
            return _latencies[Math.Min(_latencies.Count - 1, (int)(p * _latencies.Count))] * 1000.0 / Stopwatch.Frequency;
        }
    }
}

/// <summary>
/// Publishes <see cref="Options.Rate"/> messages a second, each to a random group or user stream (a share of
/// <see cref="Options.UserShare"/> to users), every stream pinned to a node while that node is up.
/// </summary>
internal sealed class Publisher
{
    private readonly Options _options;
    private readonly IReadOnlyList<ChaosNode> _nodes;
    private readonly string _delivery;
    private readonly List<PublishedStream> _groups = [];
    private readonly List<PublishedStream> _users = [];
    private readonly List<Task> _pumps = [];

    public Publisher(Options options, IReadOnlyList<ChaosNode> nodes, string delivery)
    {
        _options = options;
        _nodes = nodes;
        _delivery = delivery;
        for (var g = 0; g < options.Groups; g++) _groups.Add(new PublishedStream("g:" + Names.Group(g), "group", Names.Group(g), g % nodes.Count));
        for (var u = 0; u < options.Users; u++) _users.Add(new PublishedStream("u:" + Names.User(u), "user", Names.User(u), u % nodes.Count));
        Streams = _groups.Concat(_users).ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, PublishedStream> Streams { get; }

    public PublisherStats Stats { get; } = new();

    public long Issued { get; private set; }

    /// <summary>Publishes until <paramref name="stop"/>, then waits for every publish in flight.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        foreach (var stream in Streams.Values) _pumps.Add(Task.Run(() => stream.PumpAsync(_nodes, _delivery, Stats)));
        var random = new Random(_options.Seed);
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * _options.Rate);
                for (; Issued < due; Issued++)
                {
                    var toUser = _users.Count > 0 && random.NextDouble() < _options.UserShare;
                    var streams = toUser || _groups.Count == 0 ? _users : _groups;
                    streams[random.Next(streams.Count)].Enqueue();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var stream in Streams.Values) stream.Complete();
        await Task.WhenAll(_pumps);
    }
}

internal static class Names
{
    public static string Group(int index) => "g" + index.ToString(CultureInfo.InvariantCulture);

    public static string User(int index) => "u" + index.ToString(CultureInfo.InvariantCulture);
}
