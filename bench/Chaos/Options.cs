using System.Globalization;

namespace Chaos;

/// <summary>The bench's knobs; --smoke is a tiny run that proves the harness end to end.</summary>
internal sealed record Options
{
    public int Subscribers { get; init; } = 1000;
    public double Rate { get; init; } = 1000;
    public double Seconds { get; init; } = 300;
    public double KillEvery { get; init; } = 60;
    public double ReconnectMin { get; init; } = 5;
    public double ReconnectMax { get; init; } = 20;
    /// <summary>How long a forced-off subscriber stays away before it reconnects (uniform from 0), so that it misses messages.</summary>
    public double OfflineMaxMs { get; init; } = 1000;
    public int Groups { get; init; } = 100;
    public int GroupsPerSubscriber { get; init; } = 2;
    public int ConnectionsPerUser { get; init; } = 2;
    /// <summary>The share of published messages that go to a user rather than a group.</summary>
    public double UserShare { get; init; } = 0.5;
    /// <summary>Messages are owed to a subscriber from this long after its subscription to their stream.</summary>
    public double Settle { get; init; } = 1;
    /// <summary>After the last publish, the longest wait for every subscriber to be back and caught up.</summary>
    public double Drain { get; init; } = 15;
    public bool Live { get; init; } = true;

    /// <summary>Replay trials on the quiet cluster after the resumable phase (ReplayTrials), each missing <see cref="ReplayMissed"/> messages.</summary>
    public int ReplayTrials { get; init; } = 50;

    public int ReplayMissed { get; init; } = 300;
    public int Seed { get; init; } = 1;
    public bool Smoke { get; init; }
    public string? Write { get; init; }
    public string ServerDll { get; init; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ChaosServer", "bin", "Release", "net10.0", "ChaosServer.dll"));

    public int Users => Math.Max(1, (Subscribers + ConnectionsPerUser - 1) / ConnectionsPerUser);

    public static Options Parse(string[] args)
    {
        var options = args.Contains("--smoke")
            ? new Options
            {
                Smoke = true, Subscribers = 50, Rate = 50, Seconds = 8, KillEvery = 4, ReconnectMin = 2, ReconnectMax = 5, Groups = 5, Drain = 5, ReplayTrials = 3,
            }
            : new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--smoke" => options,
                "--subscribers" => options with { Subscribers = (int)Number() },
                "--rate" => options with { Rate = Number() },
                "--seconds" => options with { Seconds = Number() },
                "--kill-every" => options with { KillEvery = Number() },
                "--reconnect-min" => options with { ReconnectMin = Number() },
                "--reconnect-max" => options with { ReconnectMax = Number() },
                "--offline-max-ms" => options with { OfflineMaxMs = Number() },
                "--groups" => options with { Groups = (int)Number() },
                "--groups-per-subscriber" => options with { GroupsPerSubscriber = (int)Number() },
                "--connections-per-user" => options with { ConnectionsPerUser = (int)Number() },
                "--user-share" => options with { UserShare = Number() },
                "--settle" => options with { Settle = Number() },
                "--drain" => options with { Drain = Number() },
                "--replay-trials" => options with { ReplayTrials = (int)Number() },
                "--seed" => options with { Seed = (int)Number() },
                "--no-live" => options with { Live = false },
                "--server-dll" => options with { ServerDll = Path.GetFullPath(Next()) },
                "--write" => options with { Write = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --subscribers N --rate MSGS --seconds S --kill-every S " +
                    "--reconnect-min S --reconnect-max S --offline-max-ms MS --groups N --groups-per-subscriber N --connections-per-user N " +
                    "--user-share F --settle S --drain S --replay-trials N --seed N --no-live --server-dll PATH --write docs/benchmarks.md --smoke"),
            };
        }
        if (options.GroupsPerSubscriber > options.Groups) throw new ArgumentException("--groups-per-subscriber must not exceed --groups");
        if (options.ReconnectMax < options.ReconnectMin) throw new ArgumentException("--reconnect-max must not be below --reconnect-min");
        return options;
    }
}
