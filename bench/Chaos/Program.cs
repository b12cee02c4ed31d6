using Benchmarks;
using Chaos;

// Resumable delivery under chaos (docs/benchmarks.md, "Chaos"): three ChaosServer nodes behind HAProxy on one private
// redis-server, subscribers forced to reconnect every few seconds (through the balancer, so usually to another node),
// a node SIGKILLed and restarted every minute. Every published payload carries its stream and the publisher's own
// sequence number; each subscriber logs what it got, and the check counts, per kind of stream, what arrived exactly once
// and in order, twice, out of order, or not at all (with or without a gap event covering it). The same load against
// the Live twin endpoint gives the Redis CPU baseline.
//   bench/chaos.sh [--subscribers 1000 --rate 1000 --seconds 300 --kill-every 60 --reconnect-min 5 --reconnect-max 20]
//                  [--write docs/benchmarks.md] [--smoke]
var options = Options.Parse(args);
if (!File.Exists(options.ServerDll)) throw new FileNotFoundException($"Build bench/ChaosServer first (dotnet build bench/ChaosServer -c Release): {options.ServerDll}");
// Whatever happens, the processes this run started do not outlive it.
AppDomain.CurrentDomain.ProcessExit += (_, _) => Processes.KillAll();
Console.CancelKeyPress += (_, _) => Processes.KillAll();
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 16), io);

var results = new List<PhaseResult> { await Phase.RunAsync(options, "resumable") };
if (options.Live) results.Add(await Phase.RunAsync(options, "live"));
var report = Report.Build(options, results);
Console.WriteLine();
Console.Write(report);
if (options.Write is not null && !options.Smoke) DocsSection.Write(options.Write, "chaos", report);
else if (options.Write is not null) Console.WriteLine("(a smoke run is not written to the docs)");
return results[0].Violations ? 1 : 0;
