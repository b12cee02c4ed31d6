using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chaos;

/// <summary>Helpers for the processes the bench starts.</summary>
internal static class Processes
{
    private static readonly double s_ticksPerSecond = ClockTicksPerSecond();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Process, bool> s_started = new();

    /// <summary>Kills every process the bench started that still runs (on exit or Ctrl+C).</summary>
    public static void KillAll()
    {
        foreach (var process in s_started.Keys)
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>User plus system CPU a process has used (utime + stime of /proc/PID/stat).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / s_ticksPerSecond);
    }

    public static async Task WaitForPortAsync(int port, string what, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{what} exited at once (code {process.ExitCode}).");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public static Process Start(string file, IEnumerable<string> arguments, string prefix)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{file} is not installed: bench/chaos.sh installs it (apt-get install {file}).", exception);
        }
        s_started[process] = true;
        process.Exited += (_, _) => s_started.TryRemove(process, out _);
        process.EnableRaisingEvents = true;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) Console.Error.WriteLine($"[{prefix}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void KillAndWait(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(); // SIGKILL
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static double ClockTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception)
        {
            return 100;
        }
    }
}

/// <summary>A private redis-server on a free loopback port, without persistence, in its own temporary directory.</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chaos-redis-").FullName;
    private Process? _process;

    public int Port { get; } = Processes.FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public TimeSpan CpuTime() => Processes.CpuTime(_process!.Id);

    /// <summary>Clears the per-command statistics, so that <see cref="CommandCostsAsync"/> covers what follows.</summary>
    public Task ResetCommandStatsAsync() => CliAsync("CONFIG", "RESETSTAT");

    /// <summary>Where Redis spent its time, by command (INFO commandstats): total µs and calls, the costliest first.</summary>
    public async Task<IReadOnlyList<(string Command, double Microseconds, long Calls)>> CommandCostsAsync()
    {
        var costs = new List<(string, double, long)>();
        foreach (var line in (await CliAsync("INFO", "commandstats")).Split('\n'))
        {
            // cmdstat_xadd:calls=1,usec=2,usec_per_call=2.00,...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            var name = line[8..line.IndexOf(':', StringComparison.Ordinal)];
            var fields = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1].Trim());
            costs.Add((name, double.Parse(fields["usec"], CultureInfo.InvariantCulture), long.Parse(fields["calls"], CultureInfo.InvariantCulture)));
        }
        return [.. costs.OrderByDescending(c => c.Item2)];
    }

    private async Task<string> CliAsync(params string[] command)
    {
        using var cli = Process.Start(new ProcessStartInfo("redis-cli", ["-p", Port.ToString(CultureInfo.InvariantCulture), .. command])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync();
        return output;
    }

    public async Task StartAsync()
    {
        _process = Processes.Start("redis-server",
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory, "--protected-mode", "no"],
            "redis");
        await Processes.WaitForPortAsync(Port, "redis-server", _process, TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        if (_process is not null) Processes.KillAndWait(_process);
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// One ChaosServer node on a fixed loopback port (HAProxy's config names it), killed with SIGKILL and restarted on the
/// same port. Publishers talk to it directly; subscribers only through HAProxy.
/// </summary>
internal sealed class ChaosNode(string name, string serverDll, string redis) : IAsyncDisposable
{
    private Process? _process;
    private volatile bool _available;

    public string Name { get; } = name;

    public int Port { get; } = Processes.FreePort();

    /// <summary>Up and not about to be killed: publishers may use it.</summary>
    public bool Available => _available;

    /// <summary>A client of its own per life, so no pooled connection to a killed process is ever reused.</summary>
    public HttpClient Http { get; private set; } = new();

    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            _process = Processes.Start("dotnet", [serverDll, "--urls", $"http://127.0.0.1:{Port}", "--redis", redis, "--node", Name], Name);
            try
            {
                await WaitHealthyAsync();
                break;
            }
            catch (InvalidOperationException) when (attempt < 10)
            {
                // The port may still be held for a moment after a kill: try again.
                Processes.KillAndWait(_process);
                _process.Dispose();
                await Task.Delay(500);
            }
        }
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        _available = true;
    }

    /// <summary>Publishers move off it first (see Publisher), then it is SIGKILLed.</summary>
    public void Drain() => _available = false;

    public void Kill()
    {
        _available = false;
        if (_process is not null) Processes.KillAndWait(_process);
        _process?.Dispose();
        _process = null;
        Http.Dispose();
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) throw new InvalidOperationException($"{Name} exited at once (code {_process.ExitCode}).");
            try
            {
                if ((await http.GetStringAsync($"http://127.0.0.1:{Port}/health")) == "ok") return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"{Name} did not start.");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Debian's HAProxy in front of the nodes: round-robin without affinity, health checks so a killed node is taken out
/// quickly (a refused check fails at once; a slow answer has 2 s, as a busy 2-core machine needs), and a refused
/// connection retried on another node; timeouts long enough for idle WebSockets.
/// </summary>
internal sealed class HaProxy : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chaos-haproxy-").FullName;
    private Process? _process;

    public int Port { get; } = Processes.FreePort();

    public TimeSpan CpuTime() => Processes.CpuTime(_process!.Id);

    public async Task StartAsync(IReadOnlyList<ChaosNode> nodes, int maxConnections)
    {
        var config = new StringBuilder();
        config.Append(CultureInfo.InvariantCulture, $"""
            global
              maxconn {maxConnections}

            defaults
              mode http
              timeout connect 2s
              timeout client 1h
              timeout server 1h
              timeout tunnel 1h
              timeout http-request 10s
              timeout check 2s
              timeout client-fin 5s
              timeout server-fin 5s
              retries 3
              option redispatch 1

            frontend chaos
              bind 127.0.0.1:{Port}
              maxconn {maxConnections}
              default_backend nodes

            backend nodes
              balance roundrobin
              option httpchk GET /health
              default-server inter 500ms fall 2 rise 2

            """);
        foreach (var node in nodes) config.Append(CultureInfo.InvariantCulture, $"  server {node.Name} 127.0.0.1:{node.Port} check\n");
        var path = Path.Combine(_directory, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config.ToString());
        // -db: stay in the foreground, so that the bench owns the process.
        _process = Processes.Start("haproxy", ["-f", path, "-db"], "haproxy");
        await Processes.WaitForPortAsync(Port, "haproxy", _process, TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        if (_process is not null) Processes.KillAndWait(_process);
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
