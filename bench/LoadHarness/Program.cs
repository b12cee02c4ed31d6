using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LoadHarness;

// Loopback load test of three servers doing the same work, in one run, in alternating order (A B C A B C) so
// that machine drift shows as spread rather than as a false ratio. See docs/benchmarks.md.
var options = Options.Parse(args);
var twoCores = OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");
if (twoCores && OperatingSystem.IsLinux())
{
    // The client on core 1, each server on core 0.
    Process.GetCurrentProcess().ProcessorAffinity = 1 << 1;
}
Console.WriteLine($"servers: {string.Join(", ", options.Servers)}; reps {options.Reps}; {options.Seconds}s per measurement after {options.Warmup}s warm-up; " +
                  (twoCores ? "server pinned to core 0, client to core 1" : "no pinning (one core, or no taskset)"));

var results = new List<Result>();
var serverCore = twoCores ? "0" : null;

// All servers run for the whole session (an idle one costs nothing), so that within each scenario the
// servers alternate A B C A B C, seconds apart: drift then shows as spread, not as a false ratio.
var servers = new List<ServerProcess>();
foreach (var mode in options.Servers) servers.Add(await ServerProcess.StartAsync(options.ServerDll, mode, serverCore));
try
{
    foreach (var scenario in Scenario.Throughput.Where(s => options.Scenarios.Contains(s.Id)))
    {
        for (var rep = 1; rep <= options.Reps; rep++)
        {
            foreach (var server in servers)
            {
                var result = await Measure.ThroughputAsync(server, scenario, options, rep);
                results.Add(result);
                Console.WriteLine(result.Line());
            }
        }
    }
    foreach (var (id, size, interval) in new[] { ("f", 32, 20), ("h", 4096, 20), ("i", 32, 2) }.Where(s => options.Scenarios.Contains(s.Item1)))
    {
        for (var rep = 1; rep <= options.Reps; rep++)
        {
            foreach (var server in servers)
            {
                var result = await Measure.BroadcastAsync(server, options, rep, id, size, interval);
                results.Add(result);
                Console.WriteLine(result.Line());
            }
        }
    }
    if (options.Scenarios.Contains("r"))
    {
        // Two nodes of each stack, through one private Redis, started for this scenario only.
        var (redis, configuration) = await ServerProcess.StartRedisAsync(serverCore);
        var clusters = new List<ServerProcess[]>();
        try
        {
            foreach (var mode in options.Servers.Where(m => m is "endpoints" or "signalr"))
            {
                clusters.Add([await ServerProcess.StartAsync(options.ServerDll, mode, serverCore, configuration), await ServerProcess.StartAsync(options.ServerDll, mode, serverCore, configuration)]);
            }
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                foreach (var cluster in clusters)
                {
                    var result = await Measure.BroadcastAsync(cluster, options, rep, "r", 32, 2);
                    results.Add(result);
                    Console.WriteLine(result.Line());
                }
            }
        }
        finally
        {
            foreach (var node in clusters.SelectMany(c => c)) await node.DisposeAsync();
            redis.Kill();
            await redis.WaitForExitAsync();
        }
    }
    if (options.Scenarios.Contains("e"))
    {
        // Idle memory is measured on fresh processes (what came before would show in RSS), alternating per rep.
        for (var rep = 1; rep <= options.Reps; rep++)
        {
            foreach (var mode in options.Servers)
            {
                await using var server = await ServerProcess.StartAsync(options.ServerDll, mode, serverCore, gc: options.Gc, keepAliveSeconds: options.KeepAliveSeconds,
                    consoleLogging: options.ConsoleLogging);
                var result = await Measure.IdleAsync(server, options, rep);
                results.Add(result);
                Console.WriteLine(result.Line());
            }
        }
    }
}
finally
{
    foreach (var server in servers) await server.DisposeAsync();
}

var report = Report.Build(results, options, twoCores);
Console.WriteLine();
Console.WriteLine(report);
Console.WriteLine(JsonSerializer.Serialize(new { machine = Report.Machine(), date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), results },
    new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
// A run of the broadcast scenarios alone updates their own section and leaves the round-trip figures be.
var section = options.Scenarios.All(id => id is "r") ? "scaleout" : options.Scenarios.All(id => id is "f" or "h" or "i") ? "fanout" : "load";
if (options.Write is not null) Benchmarks.DocsSection.Write(options.Write, section, report);

namespace LoadHarness
{
    public sealed record Options(string ServerDll, string[] Servers, HashSet<string> Scenarios, int Reps, double Seconds, double Warmup, int IdleConnections, int Receivers, string Gc, double KeepAliveSeconds, bool ConsoleLogging, string? Write)
    {
        public static Options Parse(string[] args)
        {
            string Get(string name, string fallback)
            {
                var index = Array.IndexOf(args, "--" + name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
            }
            var defaultDll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "EchoServers", "bin", "Release", "net10.0", "EchoServers.dll");
            return new Options(
                Path.GetFullPath(Get("server-dll", defaultDll)),
                Get("servers", "endpoints,handwritten,signalr").Split(','),
                Get("scenarios", "a,b,c,d,e,f,g,h,i,j,k").Split(',').ToHashSet(),
                int.Parse(Get("reps", "3"), CultureInfo.InvariantCulture),
                double.Parse(Get("seconds", "3"), CultureInfo.InvariantCulture),
                double.Parse(Get("warmup", "1"), CultureInfo.InvariantCulture),
                int.Parse(Get("idle", "5000"), CultureInfo.InvariantCulture),
                int.Parse(Get("receivers", "1000"), CultureInfo.InvariantCulture),
                Get("gc", "workstation") is "server" ? "server" : "workstation",
                double.Parse(Get("keepalive", "0"), CultureInfo.InvariantCulture),
                Get("logging", "none") == "console",
                args.Contains("--write") ? Get("write", "docs/benchmarks.md") : null);
        }
    }

    public sealed record Scenario(string Id, string Title, int Connections, int Size, int Window, bool Text = false)
    {
        public static readonly Scenario[] Throughput =
        [
            new("a", "1 connection × 32 B round-trip", 1, 32, 1),
            new("b", "100 connections × 32 B round-trip", 100, 32, 1),
            new("c", "100 connections × 16 KiB round-trip", 100, 16 * 1024, 1),
            new("d", "100 connections × 32 B pipelined, window 16", 100, 32, 16),
            new("g", "10 connections × 1 MiB round-trip", 10, 1024 * 1024, 1),
            new("j", "100 connections × 32 B text round-trip", 100, 32, 1, Text: true),
            new("k", "100 connections × 16 KiB text round-trip", 100, 16 * 1024, 1, Text: true),
        ];
    }

    public sealed record Result(string Scenario, string Server, int Rep, double MessagesPerSecond, double P50Us, double P99Us,
        double ServerCpuUsPerMessage, double ClientCpuUsPerMessage, double ServerCpuShare, double ClientCpuShare,
        double HeapBytesPerConnection = double.NaN, double RssBytesPerConnection = double.NaN)
    {
        public string Saturated => ServerCpuShare > 0.9 && ServerCpuShare >= ClientCpuShare ? "server" : ClientCpuShare > 0.9 ? "client" : "neither";

        public string Line() => Scenario == "e"
            ? string.Create(CultureInfo.InvariantCulture, $"e {Server,-11} heap {HeapBytesPerConnection,8:F0} B/conn  rss {RssBytesPerConnection,8:F0} B/conn")
            : string.Create(CultureInfo.InvariantCulture,
                $"{Scenario} {Server,-11} rep {Rep}: {MessagesPerSecond,9:F0} msg/s  p50 {P50Us,8:F0} µs  p99 {P99Us,8:F0} µs  server {ServerCpuUsPerMessage,6:F2} µs/msg ({ServerCpuShare:P0})  client {ClientCpuUsPerMessage,6:F2} µs/msg ({ClientCpuShare:P0})");
    }
}
