using System.Diagnostics;
using System.Globalization;
using System.Text;
using Benchmarks;
using Endpoints;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;

// The connection registry at scale (review finding C5): joins, a snapshot for the backplane, a disconnect and a
// fan-out with 100,000 members in one group, and 100,000 groups of one member; plus how long a join waits while a
// snapshot runs (the registry lock). In process, no sockets: the registry's own cost.
//   dotnet run -c Release --project bench/Registry [-- --members 100000 --write docs/benchmarks.md]
var members = 100_000;
string? write = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--members") members = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--write") write = args[++i];
}

var rows = new List<(string What, string Figure)>();
Warm();

// One group of `members`.
{
    var registry = NewRegistry();
    var entries = Enumerable.Range(0, members).Select(i => registry.Add(Receiver.Of("c" + i), null, Receiver.None)).ToArray();
    var clock = Stopwatch.StartNew();
    foreach (var entry in entries) registry.Join(entry, "room");
    var joins = clock.Elapsed;
    rows.Add(($"{members:N0} joins to one group", $"{joins.TotalMilliseconds:N0} ms ({joins.TotalMicroseconds / members:N2} µs per join)"));

    // The last joins, one at a time, at full size: what a join costs in a big group.
    clock.Restart();
    for (var i = 0; i < 1000; i++) registry.Leave(entries[i], "room");
    for (var i = 0; i < 1000; i++) registry.Join(entries[i], "room");
    rows.Add(("a leave and a join in that group", $"{clock.Elapsed.TotalMicroseconds / 1000:N2} µs"));

    var (_, longestJoinAlone) = SnapshotWhileJoining(registry, entries, snapshot: false);
    var (snapshot, longestJoinWait) = SnapshotWhileJoining(registry, entries, snapshot: true);
    rows.Add(("`Snapshot()` of that registry (for the backplane)", $"{snapshot.TotalMilliseconds:N1} ms"));
    rows.Add(("longest single join on another thread meanwhile", $"{longestJoinWait.TotalMilliseconds:N2} ms"));
    rows.Add(("longest single join on another thread with no snapshot (GC, scheduling)", $"{longestJoinAlone.TotalMilliseconds:N2} ms"));

    var message = WebSocketMessage.FromBinary(new byte[32]);
    registry.Deliver(Endpoints.Scaleout.BackplaneTarget.Group, "room", [], message);
    clock.Restart();
    const int fanOuts = 20;
    for (var i = 0; i < fanOuts; i++) registry.Deliver(Endpoints.Scaleout.BackplaneTarget.Group, "room", [], message);
    rows.Add(($"one group send to {members:N0} members (queueing, no sockets)", $"{clock.Elapsed.TotalMilliseconds / fanOuts:N1} ms ({clock.Elapsed.TotalNanoseconds / fanOuts / members:N0} ns per member)"));

    clock.Restart();
    for (var i = 0; i < 1000; i++) registry.Remove(entries[members - 1 - i]);
    rows.Add(("a disconnect from that group", $"{clock.Elapsed.TotalMicroseconds / 1000:N2} µs"));
}

// `members` groups of one member each.
{
    var registry = NewRegistry();
    var entries = Enumerable.Range(0, members).Select(i => registry.Add(Receiver.Of("c" + i), null, Receiver.None)).ToArray();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < members; i++) registry.Join(entries[i], "g" + i);
    var joins = clock.Elapsed;
    rows.Add(($"{members:N0} groups of one member: the joins", $"{joins.TotalMilliseconds:N0} ms ({joins.TotalMicroseconds / members:N2} µs per join)"));
    clock.Restart();
    var snapshot = registry.Snapshot();
    rows.Add(("`Snapshot()` of that registry", $"{clock.Elapsed.TotalMilliseconds:N1} ms ({snapshot.Count:N0} connections)"));
    clock.Restart();
    for (var i = 0; i < members; i++) registry.Remove(entries[i]);
    rows.Add(("every connection disconnects", $"{clock.Elapsed.TotalMilliseconds:N0} ms"));
}

var table = new StringBuilder("| Registry operation | Time |\n|---|---:|\n");
foreach (var (what, figure) in rows) table.Append(CultureInfo.InvariantCulture, $"| {what} | {figure} |\n");
Console.Write(table);
if (write is not null) DocsSection.Write(write, "registry", table.ToString());

static ConnectionRegistry NewRegistry() => new("bench", TimeProvider.System, WebSocketEndpointMetrics.Shared, null);

static void Warm()
{
    var registry = NewRegistry();
    var entries = Enumerable.Range(0, 2000).Select(i => registry.Add(Receiver.Of("w" + i), null, Receiver.None)).ToArray();
    foreach (var entry in entries) registry.Join(entry, "warm");
    registry.Snapshot();
    foreach (var entry in entries) registry.Remove(entry);
}

// Joins another group from a second thread while Snapshot() runs: the longest single join is how long the registry
// made a join wait.
static (TimeSpan Snapshot, TimeSpan LongestJoin) SnapshotWhileJoining(ConnectionRegistry registry, RegisteredConnection[] entries, bool snapshot)
{
    var running = true;
    var longest = TimeSpan.Zero;
    var joiner = new Thread(() =>
    {
        var i = 0;
        while (Volatile.Read(ref running))
        {
            var started = Stopwatch.GetTimestamp();
            registry.Join(entries[i % entries.Length], (snapshot ? "s" : "a") + (i / entries.Length));
            var took = Stopwatch.GetElapsedTime(started);
            if (took > longest) longest = took;
            i++;
        }
    });
    joiner.Start();
    Thread.Sleep(50);
    var clock = Stopwatch.StartNew();
    if (snapshot) registry.Snapshot();
    else Thread.Sleep(500);
    var took = clock.Elapsed;
    Volatile.Write(ref running, false);
    joiner.Join();
    return (took, longest);
}

internal sealed class Receiver(string id) : IFanOutReceiver, IHostStoppingListener
{
    /// <summary>Host shutdown is not measured: one listener that does nothing serves every receiver.</summary>
    public static readonly Receiver None = new("none");

    public static Receiver Of(string id) => new(id);

    public string Id { get; } = id;

    public bool TryEnqueue(WebSocketMessage message) => true;

    public bool TryEnqueue(WebSocketMessage message, byte[] header) => true;

    public bool TryEnqueueControl(WebSocketMessage message, byte[] header) => true;

    public bool TryEnqueueNumbered(WebSocketMessage message, byte[] header, StreamAudience audience, string stream, string epoch, long offset) => true;

    public StreamSubscriber? Subscriber => null;

    public void ReplayIncomplete()
    {
    }

    public void OnHostStopping()
    {
    }
}
