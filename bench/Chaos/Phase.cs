using System.Diagnostics;
using System.Globalization;

namespace Chaos;

/// <summary>
/// One run against one endpoint (resumable, or its Live twin for the Redis CPU baseline): a fresh redis-server, three
/// nodes and HAProxy; the subscribers connect and subscribe; then for <see cref="Options.Seconds"/> the publisher
/// publishes, subscribers are forced off at random and a node is SIGKILLed and restarted every
/// <see cref="Options.KillEvery"/>; then, with the chaos over, the subscribers get a moment to come back and catch up
/// before the check.
/// </summary>
internal static class Phase
{
    public static async Task<PhaseResult> RunAsync(Options options, string delivery)
    {
        Console.WriteLine($"--- {delivery}: starting redis-server, 3 nodes and haproxy");
        using var redis = new RedisProcess();
        await redis.StartAsync();
        var nodes = new List<ChaosNode>();
        using var haproxy = new HaProxy();
        using var stopping = new CancellationTokenSource();
        var subscribers = new List<Subscriber>();
        var subscriberTasks = new List<Task>();
        try
        {
            for (var n = 1; n <= 3; n++)
            {
                var node = new ChaosNode("s" + n.ToString(CultureInfo.InvariantCulture), options.ServerDll, redis.Configuration);
                nodes.Add(node);
                await node.StartAsync();
            }
            await haproxy.StartAsync(nodes, options.Subscribers * 2 + 1000);
            var balancer = new Uri($"ws://127.0.0.1:{haproxy.Port}");

            var clock = Stopwatch.StartNew();
            for (var i = 0; i < options.Subscribers; i++)
            {
                var subscriber = new Subscriber(i, options, balancer, "/" + delivery);
                subscribers.Add(subscriber);
                subscriberTasks.Add(Task.Run(() => subscriber.RunAsync(stopping.Token)));
                if (i % 50 == 49) await Task.Delay(50);
            }
            if (!await WaitAsync(() => subscribers.All(s => s.CaughtUp), TimeSpan.FromSeconds(30 + options.Subscribers * 0.02)))
            {
                throw new InvalidOperationException($"Only {subscribers.Count(s => s.CaughtUp)} of {subscribers.Count} subscribers subscribed.");
            }
            Console.WriteLine($"{delivery}: {subscribers.Count} subscribers subscribed in {clock.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(TimeSpan.FromSeconds(options.Settle));

            await redis.ResetCommandStatsAsync();
            var redisCpuBefore = redis.CpuTime();
            var haproxyCpuBefore = haproxy.CpuTime();
            var started = Stopwatch.GetTimestamp();
            var publisher = new Publisher(options, nodes, delivery);
            using var publishing = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
            using var chaos = new CancellationTokenSource();
            var publishTask = publisher.RunAsync(publishing.Token);
            var kills = new List<string>();
            var killTask = KillLoopAsync(options, nodes, kills, chaos.Token);
            var forceTask = ForceReconnectsAsync(options, subscribers, chaos.Token);
            var statusTask = StatusAsync(delivery, started, publisher, subscribers, chaos.Token);
            await publishTask;
            var publishSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await chaos.CancelAsync();
            await Task.WhenAll(killTask, forceTask, statusTask);
            var redisCpu = redis.CpuTime() - redisCpuBefore;
            var redisCommands = await redis.CommandCostsAsync();
            var haproxyCpu = haproxy.CpuTime() - haproxyCpuBefore;

            // The chaos is over: everyone back, caught up, and what is in flight delivered.
            var drained = Stopwatch.StartNew();
            var allBack = await WaitAsync(() => subscribers.All(s => s.CaughtUp), TimeSpan.FromSeconds(options.Drain));
            await Task.Delay(TimeSpan.FromSeconds(1));
            var drainSeconds = drained.Elapsed.TotalSeconds;
            ReplayTrialResult? trials = null;
            if (delivery == "resumable" && options.ReplayTrials > 0)
            {
                Console.WriteLine($"{delivery}: {options.ReplayTrials} replay trials of {options.ReplayMissed} missed messages on the quiet cluster");
                trials = await ReplayTrials.RunAsync(balancer, nodes, options.ReplayTrials, options.ReplayMissed);
            }
            await stopping.CancelAsync();
            await Task.WhenAll(subscriberTasks);
            foreach (var subscriber in subscribers) subscriber.Finish();

            var result = Checker.Check(options, delivery, publisher, subscribers) with
            {
                Kills = kills,
                PublishSeconds = publishSeconds,
                RedisCpu = redisCpu,
                RedisCommands = redisCommands,
                QuietReplays = trials,
                HaProxyCpu = haproxyCpu,
                AllCaughtUp = allBack,
                DrainSeconds = drainSeconds,
            };
            Console.WriteLine($"{delivery}: done ({string.Join("; ", kills)})");
            return result;
        }
        finally
        {
            await stopping.CancelAsync();
            await Task.WhenAll(subscriberTasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    /// <summary>Every kill-every seconds one node, in turn: publishers move off it, a second later SIGKILL, then a restart.</summary>
    private static async Task KillLoopAsync(Options options, List<ChaosNode> nodes, List<string> kills, CancellationToken chaos)
    {
        if (options.KillEvery <= 0) return;
        var started = Stopwatch.GetTimestamp();
        for (var k = 1; k * options.KillEvery < options.Seconds - 0.5; k++)
        {
            var drainAt = TimeSpan.FromSeconds(k * options.KillEvery - 1);
            var wait = drainAt - Stopwatch.GetElapsedTime(started);
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, chaos);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var victim = nodes[(k - 1) % nodes.Count];
            victim.Drain();
            await Task.Delay(TimeSpan.FromSeconds(1)); // its Redis outbox has long been written by then
            var killedAt = Stopwatch.GetElapsedTime(started);
            victim.Kill();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await victim.StartAsync();
            var back = Stopwatch.GetElapsedTime(started);
            kills.Add(string.Create(CultureInfo.InvariantCulture, $"{victim.Name} SIGKILLed at {killedAt.TotalSeconds:F1} s, serving again at {back.TotalSeconds:F1} s"));
            Console.WriteLine($"  {kills[^1]}");
        }
    }

    /// <summary>Each subscriber is forced off every reconnect-min…max seconds (uniform), as its network would drop it.</summary>
    private static async Task ForceReconnectsAsync(Options options, List<Subscriber> subscribers, CancellationToken chaos)
    {
        var random = new Random(options.Seed);
        long Next() => Stopwatch.GetTimestamp() + (long)((options.ReconnectMin + random.NextDouble() * (options.ReconnectMax - options.ReconnectMin)) * Stopwatch.Frequency);
        foreach (var subscriber in subscribers) subscriber.NextForcedAt = Next();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(chaos))
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var subscriber in subscribers)
                {
                    if (now < subscriber.NextForcedAt) continue;
                    subscriber.ForceReconnect();
                    subscriber.NextForcedAt = Next();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task StatusAsync(string delivery, long started, Publisher publisher, List<Subscriber> subscribers, CancellationToken chaos)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(chaos))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {delivery} t={Stopwatch.GetElapsedTime(started).TotalSeconds:F0}s: {publisher.Issued:N0} published ({Interlocked.Read(ref publisher.Stats.Failed)} failed), " +
                    $"{subscribers.Count(s => s.CaughtUp)}/{subscribers.Count} subscribers caught up"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }
}
