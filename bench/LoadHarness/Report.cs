using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LoadHarness;

public static class Report
{
    private static readonly Dictionary<string, string> s_titles = new()
    {
        ["a"] = "1 connection × 32 B round-trip",
        ["b"] = "100 connections × 32 B round-trip",
        ["c"] = "100 connections × 16 KiB round-trip",
        ["d"] = "100 connections × 32 B pipelined, window 16",
        ["e"] = "idle connections: server memory per connection",
        ["f"] = "broadcast: 1 sender, receivers in one room, 32 B every 20 ms",
        ["g"] = "10 connections × 1 MiB round-trip",
        ["h"] = "broadcast: 1 sender, receivers in one room, 4 KiB every 20 ms",
        ["i"] = "broadcast: 1 sender, receivers in one room, 32 B every 2 ms (more than a core delivers)",
        ["r"] = "scale-out: 1 sender, receivers over two servers through one Redis, 32 B every 2 ms",
    };

    public static string Machine()
        => $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSArchitecture}, {Cpu()}, .NET {Environment.Version}";

    public static string Build(List<Result> results, Options options, bool pinned)
    {
        var text = new StringBuilder();
        var pinning = pinned ? "server on core 0, client on core 1." : "no core pinning.";
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine()}; {DateTime.UtcNow:yyyy-MM-dd}; {options.Reps} alternating reps of {options.Seconds:F0} s after {options.Warmup:F0} s warm-up; {pinning}");
        text.AppendLine();
        text.AppendLine("| Scenario | Server | msg/s (median, min–max) | p50 µs | p99 µs | server CPU µs/msg | client CPU µs/msg | saturated |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var group in results.Where(r => r.Scenario != "e").GroupBy(r => (r.Scenario, r.Server)).OrderBy(g => g.Key.Scenario, StringComparer.Ordinal))
        {
            var reps = group.ToList();
            var median = reps.OrderBy(r => r.MessagesPerSecond).ElementAt(reps.Count / 2);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key.Scenario} | {group.Key.Server} | {Median(reps, r => r.MessagesPerSecond):N0} ({reps.Min(r => r.MessagesPerSecond):N0}–{reps.Max(r => r.MessagesPerSecond):N0}) | " +
                $"{Median(reps, r => r.P50Us):F0} | {Median(reps, r => r.P99Us):F0} | {Median(reps, r => r.ServerCpuUsPerMessage):F2} | {Median(reps, r => r.ClientCpuUsPerMessage):F2} | {median.Saturated} |");
        }
        var idle = results.Where(r => r.Scenario == "e").ToList();
        if (idle.Count > 0)
        {
            text.AppendLine();
            var keepAlive = options.KeepAliveSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"keep-alive every {options.KeepAliveSeconds:F0} s") : "no keep-alive";
            var logging = options.ConsoleLogging ? "console logging" : "no logging";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Idle connections ({options.IdleConnections:N0}, a fresh server process per rep, {options.Gc} GC, {keepAlive}, {logging}): server memory per connection");
            text.AppendLine();
            text.AppendLine("| Server | managed heap B/conn (median, min–max) | RSS B/conn (median, min–max) |");
            text.AppendLine("|---|---:|---:|");
            foreach (var group in idle.GroupBy(r => r.Server))
            {
                var reps = group.ToList();
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {group.Key} | {Median(reps, r => r.HeapBytesPerConnection):N0} ({reps.Min(r => r.HeapBytesPerConnection):N0}–{reps.Max(r => r.HeapBytesPerConnection):N0}) | " +
                    $"{Median(reps, r => r.RssBytesPerConnection):N0} ({reps.Min(r => r.RssBytesPerConnection):N0}–{reps.Max(r => r.RssBytesPerConnection):N0}) |");
            }
        }

        text.AppendLine();
        text.AppendLine("Targets (ours ÷ hand-written; per-rep ratios, median and spread):");
        text.AppendLine();
        foreach (var id in new[] { "a", "b", "c", "g", "j", "k" })
        {
            Ratio(text, results, id, r => r.MessagesPerSecond, "msg/s", "≥ 0.97");
            Ratio(text, results, id, r => r.ServerCpuUsPerMessage, "server CPU per message", "≤ 1.03");
        }
        Ratio(text, results, "d", r => r.ServerCpuUsPerMessage, "server CPU per message", "≤ 1.03");
        Ratio(text, results, "e", r => r.HeapBytesPerConnection, "managed heap per idle connection", "≤ 1.05");
        Ratio(text, results, "e", r => r.RssBytesPerConnection, "RSS growth per idle connection", "≤ 1.05");
        foreach (var id in new[] { "f", "h", "i" })
        {
            Ratio(text, results, id, r => r.MessagesPerSecond, "delivered msg/s", "≥ 0.9");
            Ratio(text, results, id, r => r.P99Us, "fan-out p99", "≤ 1.2");
            Ratio(text, results, id, r => r.ServerCpuUsPerMessage, "server CPU per delivery", "≤ 1.1");
            Ratio(text, results, id, r => r.MessagesPerSecond, "delivered msg/s vs SignalR", "≥ 1.5", other: "signalr");
            Ratio(text, results, id, r => r.ServerCpuUsPerMessage, "server CPU per delivery vs SignalR", "lower", other: "signalr");
        }
        Ratio(text, results, "b", r => r.MessagesPerSecond, "msg/s vs SignalR", "well ahead", other: "signalr");
        Ratio(text, results, "r", r => r.MessagesPerSecond, "delivered msg/s vs SignalR with its Redis backplane", "≥ 1.5", other: "signalr");
        Ratio(text, results, "r", r => r.P99Us, "p99 vs SignalR with its Redis backplane", "< 1", other: "signalr");
        return text.ToString();
    }

    private static void Ratio(StringBuilder text, List<Result> results, string scenario, Func<Result, double> value, string what, string target, string other = "handwritten")
    {
        var ratios = new List<double>();
        foreach (var rep in results.Where(r => r.Scenario == scenario).Select(r => r.Rep).Distinct())
        {
            var ours = results.FirstOrDefault(r => r.Scenario == scenario && r.Rep == rep && r.Server == "endpoints");
            var theirs = results.FirstOrDefault(r => r.Scenario == scenario && r.Rep == rep && r.Server == other);
            if (ours is not null && theirs is not null && value(theirs) > 0) ratios.Add(value(ours) / value(theirs));
        }
        if (ratios.Count == 0) return;
        ratios.Sort();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- {scenario}: {what} {ratios[ratios.Count / 2]:F2}× (reps {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; target {target})");
    }

    private static double Median(List<Result> results, Func<Result, double> value)
    {
        var values = results.Select(value).Order().ToList();
        return values[values.Count / 2];
    }

    private static string Cpu()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

}
