using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Chaos;

internal static class Report
{
    public static string Build(Options options, IReadOnlyList<PhaseResult> results)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSArchitecture}, {Cpu()}, .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd}{(options.Smoke ? " (smoke run)" : "")}.");
        text.AppendLine(c, $"3 ChaosServer nodes behind {Version("haproxy", "-v")} (round-robin, no affinity), one {Version("redis-server", "--version")}; " +
            $"{options.Subscribers:N0} subscribers ({options.Users:N0} users × {options.ConnectionsPerUser} connections; {options.Groups:N0} groups, {options.GroupsPerSubscriber} per subscriber); " +
            $"{options.Rate:N0} msg/s for {options.Seconds:N0} s, {options.UserShare:P0} to users; every subscriber forced off every {options.ReconnectMin:N0}–{options.ReconnectMax:N0} s " +
            $"(back after 0–{options.OfflineMaxMs:N0} ms, through the balancer); a node SIGKILLed and restarted every {options.KillEvery:N0} s.");
        text.AppendLine();
        text.AppendLine("| Delivery | Streams | owed deliveries | exactly once, in order | duplicated | reordered | lost without a gap | covered by gap events |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            foreach (var (what, tally) in new[] { ("groups", result.Groups), ("users", result.Users) })
            {
                text.AppendLine(c, $"| {result.Delivery} | {tally.Streams:N0} {what} ({tally.Pairs:N0} subscriptions, {tally.BadPairs:N0} with a fault) | {tally.Owed:N0} | {tally.ExactlyOnceInOrder:N0} | " +
                    $"{tally.Duplicates:N0} | {tally.Reorders:N0} | {tally.LostWithoutGap:N0} | {tally.CoveredByGap:N0} ({tally.GapEvents:N0} gap events) |");
            }
        }
        text.AppendLine();
        text.AppendLine("| Delivery | published (failed) | nodes killed | reconnects: forced / dropped by a kill / failed | welcomes: resumed / new session | replay p50 / p99 (ms) | replayed per resume p50 / p99 / max | Redis CPU |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            var latencies = result.Replays.Select(r => r.Ticks * 1000.0 / Stopwatch.Frequency).Order().ToList();
            var counts = result.Replays.Select(r => (double)r.Count).Order().ToList();
            var replay = latencies.Count == 0 ? "–" : string.Create(c, $"{Percentile(latencies, 0.5):F1} / {Percentile(latencies, 0.99):F1} ({latencies.Count:N0} resumes)");
            var replayed = counts.Count == 0 ? "–" : string.Create(c, $"{Percentile(counts, 0.5):F0} / {Percentile(counts, 0.99):F0} / {counts[^1]:F0}");
            var share = result.RedisCpu.TotalSeconds / result.PublishSeconds;
            var perMessage = result.Published > 0 ? result.RedisCpu.TotalMicroseconds / result.Published : 0;
            text.AppendLine(c, $"| {result.Delivery} | {result.Published:N0} ({result.PublishFailed:N0}) | {result.Kills.Count} | {result.Forced:N0} / {result.Dropped:N0} / {result.ConnectFailures:N0} | " +
                $"{(result.Delivery == "live" ? "–" : string.Create(c, $"{result.Resumed:N0} / {result.NewSessions:N0}"))} | {replay} | {replayed} | {result.RedisCpu.TotalSeconds:F1} s ({share:P1} of a core, {perMessage:F0} µs/msg) |");
        }
        text.AppendLine();
        foreach (var result in results)
        {
            var notes = new List<string>();
            if (!result.AllCaughtUp) notes.Add("not every subscriber was back and caught up by the end of the drain");
            if (result.Groups.NeverSubscribed + result.Users.NeverSubscribed > 0) notes.Add($"{result.Groups.NeverSubscribed + result.Users.NeverSubscribed} subscriptions never confirmed");
            if (result.Misrouted > 0) notes.Add($"{result.Misrouted} messages for a stream the subscriber is not in");
            if (result.ProtocolErrors > 0) notes.Add($"{result.ProtocolErrors} messages that were not endpoints.v1");
            if (result.PositionRepeats > 0) notes.Add($"{result.PositionRepeats} at or below the stream's known position");
            var extra = notes.Count > 0 ? "; " + string.Join("; ", notes) : "";
            text.AppendLine(c, $"- {result.Delivery}: publish p50 {result.PublishP50Ms:F1} ms, p99 {result.PublishP99Ms:F1} ms; {result.Switches:N0} moves of a stream's publishing between nodes (off the one about to be killed, and back); " +
                $"{result.Connects:N0} connections; HAProxy CPU {result.HaProxyCpu.TotalSeconds:F1} s{extra}.");
            if (result.RedisCommands.Count > 0)
            {
                var top = result.RedisCommands.Take(6).Select(x => string.Create(c, $"{x.Command} {x.Microseconds / 1e6:F1} s ({x.Calls:N0} calls, {x.Microseconds / Math.Max(1, x.Calls):F1} µs each)"));
                text.AppendLine(c, $"- {result.Delivery}: Redis time by command (a script's own commands are counted in it too): {string.Join("; ", top)}.");
            }
        }
        foreach (var result in results)
        {
            if (result.QuietReplays is not { } trials) continue;
            var welcome = trials.FromWelcomeMs.ToList();
            var connect = trials.FromConnectMs.ToList();
            text.AppendLine(c, $"- {result.Delivery}: replay of {trials.Missed} missed messages on the quiet cluster after the chaos ({trials.Trials} trials, back through the balancer): " +
                $"welcome → last replayed p50 {Percentile(welcome, 0.5):F1} ms, p99 {Percentile(welcome, 0.99):F1} ms, max {welcome[^1]:F1} ms; connect → last p50 {Percentile(connect, 0.5):F1} ms, p99 {Percentile(connect, 0.99):F1} ms.");
        }
        var resumable = results.FirstOrDefault(r => r.Delivery == "resumable");
        var live = results.FirstOrDefault(r => r.Delivery == "live");
        if (resumable is not null && live is not null && live.RedisCpu > TimeSpan.Zero)
        {
            text.AppendLine(c, $"- Redis CPU, resumable ÷ live: {resumable.RedisCpu.TotalSeconds / live.RedisCpu.TotalSeconds:F2}×.");
        }
        if (resumable is not null)
        {
            var duplicated = resumable.Groups.Duplicates + resumable.Users.Duplicates;
            var reordered = resumable.Groups.Reorders + resumable.Users.Reorders;
            var lost = resumable.Groups.LostWithoutGap + resumable.Users.LostWithoutGap;
            text.AppendLine(c, $"- Resumable: {duplicated:N0} duplicated, {reordered:N0} reordered, {lost:N0} lost without a gap (target 0 each): {(resumable.Violations ? "NOT met" : "met")}.");
        }
        return text.ToString();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static string Version(string program, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, argument) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var line = process.StandardOutput.ReadLine() ?? "";
            process.WaitForExit();
            // "HAProxy version 2.6.12-1+deb12u4 2023/…" / "Redis server v=7.0.15 sha=…"
            var parts = line.Split(' ');
            return program == "haproxy" && parts.Length > 2 ? "HAProxy " + parts[2]
                : parts.FirstOrDefault(p => p.StartsWith("v=", StringComparison.Ordinal)) is { } v ? "redis-server " + v[2..] : program;
        }
        catch (Exception)
        {
            return program;
        }
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
