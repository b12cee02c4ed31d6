using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LoadHarness;

/// <summary>A server under test, in its own process, pinned to its own core when there are two.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly double s_ticksPerSecond = ClockTicksPerSecond();
    private readonly Process _process;

    private ServerProcess(string mode, Process process, int port)
    {
        Mode = mode;
        _process = process;
        Port = port;
    }

    public string Mode { get; }

    public int Port { get; }

    public Protocol Protocol => Mode switch
    {
        "signalr" => Protocol.SignalR,
        "endpoints-v1" => Protocol.EndpointsV1,
        _ => Protocol.Raw,
    };

    public Uri EchoUri => new($"ws://127.0.0.1:{Port}{(Mode == "signalr" ? "/hub" : "/echo")}");

    public Uri RoomUri => new($"ws://127.0.0.1:{Port}{(Mode == "signalr" ? "/hub" : "/room")}");

    public static async Task<ServerProcess> StartAsync(string serverDll, string mode, string? core, string? redis = null, string gc = "workstation", double keepAliveSeconds = 0, bool consoleLogging = false)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(core is null ? "dotnet" : "taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (core is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(core);
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(serverDll);
        // endpoints-v1 is the Endpoints server with clients that speak endpoints.v1.
        start.ArgumentList.Add(mode == "endpoints-v1" ? "endpoints" : mode);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        if (keepAliveSeconds > 0)
        {
            start.ArgumentList.Add("--keepalive");
            start.ArgumentList.Add(keepAliveSeconds.ToString(CultureInfo.InvariantCulture));
        }
        if (consoleLogging)
        {
            start.ArgumentList.Add("--logging");
            start.ArgumentList.Add("console");
        }
        if (redis is not null)
        {
            start.ArgumentList.Add("--redis");
            start.ArgumentList.Add(redis);
        }
        // workstation: one non-concurrent heap, the steadiest figures on a shared 2-core machine. server: what an
        // ASP.NET Core app gets by default (server GC with dynamic adaptation, background collections).
        start.Environment["DOTNET_gcServer"] = gc == "server" ? "1" : "0";
        start.Environment["DOTNET_gcConcurrent"] = gc == "server" ? "1" : "0";
        if (gc == "server") start.Environment["DOTNET_GCDynamicAdaptationMode"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{mode}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(mode, process, port);
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                await http.GetStringAsync($"http://127.0.0.1:{port}/stats");
                return server;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"The {mode} server did not start.");
    }

    /// <summary>A private redis-server on a free port (no persistence), for the scale-out scenario.</summary>
    public static async Task<(Process Process, string Configuration)> StartRedisAsync(string? core)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(core is null ? "redis-server" : "taskset") { RedirectStandardOutput = true, UseShellExecute = false };
        if (core is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(core);
            start.ArgumentList.Add("redis-server");
        }
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return (process, $"127.0.0.1:{port}");
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException("redis-server did not start (is it installed?).");
    }

    /// <summary>User plus system CPU time the server has used.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / s_ticksPerSecond);
    }

    /// <summary>Resident memory in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>The managed heap after a full collection, as the server reports it.</summary>
    public async Task<long> ManagedHeapBytesAsync()
    {
        using var http = new HttpClient();
        return long.Parse(await http.GetStringAsync($"http://127.0.0.1:{Port}/stats"), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
