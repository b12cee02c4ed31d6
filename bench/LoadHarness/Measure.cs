using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace LoadHarness;

public static class Measure
{
    // 0: warming up, 1: measuring, 2: stopping.
    private sealed class Phase
    {
        public volatile int Value;
    }

    public static async Task<Result> ThroughputAsync(ServerProcess server, Scenario scenario, Options options, int rep)
    {
        var clients = new EchoClient[scenario.Connections];
        for (var i = 0; i < clients.Length; i++) clients[i] = await EchoClient.ConnectAsync(server.EchoUri, server.Protocol, scenario.Size, scenario.Text);
        var latencies = new List<long>[clients.Length];
        var counts = new long[clients.Length];
        var phase = new Phase();

        var loops = new Task[clients.Length];
        for (var i = 0; i < clients.Length; i++)
        {
            var index = i;
            latencies[i] = new List<long>(1 << 14);
            loops[i] = scenario.Window == 1
                ? Task.Run(() => RoundTripAsync(clients[index], latencies[index], counts, index, phase))
                : Task.Run(() => PipelinedAsync(clients[index], scenario.Window, latencies[index], counts, index, phase));
        }

        await Task.Delay(TimeSpan.FromSeconds(options.Warmup));
        var serverCpu = server.CpuTime();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        phase.Value = 1;
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        phase.Value = 2;
        watch.Stop();
        var serverUsed = server.CpuTime() - serverCpu;
        var clientUsed = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(TimeSpan.FromSeconds(10)));

        var messages = counts.Sum();
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        foreach (var client in clients) await client.DisposeAsync();
        return new Result(scenario.Id, server.Mode, rep, messages / watch.Elapsed.TotalSeconds, Percentile(all, 50), Percentile(all, 99),
            serverUsed.TotalMicroseconds / Math.Max(1, messages), clientUsed.TotalMicroseconds / Math.Max(1, messages),
            serverUsed / watch.Elapsed, clientUsed / watch.Elapsed);
    }

    private static async Task RoundTripAsync(EchoClient client, List<long> latencies, long[] counts, int index, Phase phase)
    {
        while (phase.Value < 2)
        {
            var start = Stopwatch.GetTimestamp();
            await client.SendAsync();
            await client.ReceiveEchoesAsync();
            if (phase.Value == 1)
            {
                latencies.Add(Stopwatch.GetTimestamp() - start);
                counts[index]++;
            }
        }
    }

    private static async Task PipelinedAsync(EchoClient client, int window, List<long> latencies, long[] counts, int index, Phase phase)
    {
        using var slots = new SemaphoreSlim(window, window);
        var sent = new ConcurrentQueue<long>();
        var inFlight = 0;
        var receiver = Task.Run(async () =>
        {
            while (phase.Value < 2 || Volatile.Read(ref inFlight) > 0)
            {
                var echoes = await client.ReceiveEchoesAsync();
                var now = Stopwatch.GetTimestamp();
                for (var e = 0; e < echoes; e++)
                {
                    sent.TryDequeue(out var start);
                    Interlocked.Decrement(ref inFlight);
                    if (phase.Value == 1)
                    {
                        latencies.Add(now - start);
                        counts[index]++;
                    }
                }
                slots.Release(echoes);
            }
        });
        while (phase.Value < 2)
        {
            await slots.WaitAsync();
            if (phase.Value >= 2) break;
            Interlocked.Increment(ref inFlight);
            sent.Enqueue(Stopwatch.GetTimestamp());
            await client.SendAsync();
        }
        await Task.WhenAny(receiver, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    /// <summary>
    /// Scenarios f (32 B) and h (4 KiB): one sender, many receivers in one room (a group on SignalR); fan-out latency
    /// from send to each delivery.
    /// </summary>
    public static Task<Result> BroadcastAsync(ServerProcess server, Options options, int rep, string scenario, int size, int intervalMs)
        => BroadcastAsync([server], options, rep, scenario, size, intervalMs);

    /// <summary>
    /// The broadcast over several servers (scenario r: two nodes through one Redis): receivers alternate between
    /// them, the sender is on the first; CPU is the servers' sum.
    /// </summary>
    public static async Task<Result> BroadcastAsync(ServerProcess[] nodes, Options options, int rep, string scenario, int size, int intervalMs)
    {
        var server = nodes[0];
        var receivers = new EchoClient[options.Receivers];
        for (var i = 0; i < receivers.Length; i += 50)
        {
            var batch = Enumerable.Range(i, Math.Min(50, receivers.Length - i)).Select(async j =>
            {
                var node = nodes[j % nodes.Length];
                receivers[j] = await EchoClient.ConnectAsync(node.RoomUri, node.Protocol, 32);
                await receivers[j].JoinRoomAsync();
            });
            await Task.WhenAll(batch);
        }
        var padding = new string('p', Math.Max(0, size - 32));
        var phase = new Phase();
        var latencies = new List<long>[receivers.Length];
        var counts = new long[receivers.Length];
        var loops = new Task[receivers.Length];
        for (var i = 0; i < receivers.Length; i++)
        {
            var index = i;
            latencies[i] = new List<long>(512);
            loops[i] = Task.Run(async () =>
            {
                try
                {
                    while (phase.Value < 2)
                    {
                        var stamp = await receivers[index].ReceiveBroadcastStampAsync();
                        var now = Stopwatch.GetTimestamp();
                        if (stamp < 0 || phase.Value != 1) continue;
                        latencies[index].Add(now - stamp);
                        counts[index]++;
                    }
                }
                catch (Exception)
                {
                    // closed at the end
                }
            });
        }

        // The sender is receiver 0: every intervalMs it sends its timestamp (32 digits), padded to the scenario's size.
        var sender = receivers[0];
        var serverCpu = TimeSpan.Zero;
        var clientCpu = TimeSpan.Zero;
        var watch = new Stopwatch();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed.TotalSeconds < options.Warmup + options.Seconds)
        {
            if (phase.Value == 0 && deadline.Elapsed.TotalSeconds >= options.Warmup)
            {
                serverCpu = nodes.Aggregate(TimeSpan.Zero, static (sum, node) => sum + node.CpuTime());
                clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                phase.Value = 1;
            }
            await sender.BroadcastAsync(Stopwatch.GetTimestamp().ToString("D32", CultureInfo.InvariantCulture) + padding);
            await Task.Delay(intervalMs);
        }
        await Task.Delay(500); // the last deliveries
        phase.Value = 2;
        watch.Stop();
        var serverUsed = nodes.Aggregate(TimeSpan.Zero, static (sum, node) => sum + node.CpuTime()) - serverCpu;
        var clientUsed = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        // Wake every receiver so its loop ends, then close.
        await sender.BroadcastAsync("m-stop");
        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(TimeSpan.FromSeconds(10)));
        foreach (var receiver in receivers) await receiver.DisposeAsync();

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var deliveries = counts.Sum();
        return new Result(scenario, server.Mode, rep, deliveries / watch.Elapsed.TotalSeconds, Percentile(all, 50), Percentile(all, 99),
            serverUsed.TotalMicroseconds / Math.Max(1, deliveries), clientUsed.TotalMicroseconds / Math.Max(1, deliveries),
            serverUsed / watch.Elapsed, clientUsed / watch.Elapsed);
    }

    /// <summary>Scenario e: the server's memory per idle connection (managed heap after a full GC, and RSS).</summary>
    public static async Task<Result> IdleAsync(ServerProcess server, Options options, int rep)
    {
        // Warm-up: a round of connections opened, used and closed, so that code paths, pools and the GC's first
        // budgets are in the baseline and the figure is what the idle connections themselves hold.
        var warm = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => EchoClient.ConnectAsync(server.EchoUri, server.Protocol, 32)));
        foreach (var client in warm) await client.RoundTripAsync();
        foreach (var client in warm) await client.DisposeAsync();
        await server.ManagedHeapBytesAsync();
        await Task.Delay(500);
        var heapBefore = await server.ManagedHeapBytesAsync();
        var rssBefore = server.ResidentBytes();
        var clients = new EchoClient[options.IdleConnections];
        for (var i = 0; i < clients.Length; i += 100)
        {
            var batch = Enumerable.Range(i, Math.Min(100, clients.Length - i)).Select(async j => clients[j] = await EchoClient.ConnectAsync(server.EchoUri, server.Protocol, 32));
            await Task.WhenAll(batch);
        }
        await Task.Delay(1000);
        var heapAfter = await server.ManagedHeapBytesAsync();
        var rssAfter = server.ResidentBytes();
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (client, _) => await client.DisposeAsync());
        return new Result("e", server.Mode, rep, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
            (heapAfter - heapBefore) / (double)clients.Length, (rssAfter - rssBefore) / (double)clients.Length);
    }

    private static double Percentile(long[] sorted, double percentile)
    {
        if (sorted.Length == 0) return double.NaN;
        var index = (int)Math.Min(sorted.Length - 1, Math.Max(0, Math.Ceiling(percentile / 100 * sorted.Length) - 1));
        return sorted[index] * 1_000_000.0 / Stopwatch.Frequency;
    }
}
