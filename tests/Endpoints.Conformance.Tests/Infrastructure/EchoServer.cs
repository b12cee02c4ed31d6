using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Endpoints.Conformance.Tests.Cases;

namespace Endpoints.Conformance.Tests.Infrastructure;

/// <summary>
/// The real Echo sample (samples/Echo) run as a child process, <c>dotnet Echo.dll --urls http://127.0.0.1:port</c>,
/// shared by the cases of one test class and killed when they are done. Its console output is kept and written next
/// to the summary (<c>$ENDPOINTS_TEST_RESULTS</c>) for a look at what the server logged.
/// </summary>
public abstract class EchoServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _output = new();
    private Process? _process;

    protected EchoServer(string name, params string[] extraArguments)
    {
        Name = name;
        ExtraArguments = extraArguments;
    }

    /// <summary>"plain" or "compressed": the suffix of the case names run against this server.</summary>
    public string Name { get; }

    public IReadOnlyList<string> ExtraArguments { get; }

    public int Port { get; private set; }

    /// <summary>Whether the process is still running (a crash fails every case after it, saying so).</summary>
    public bool IsRunning => _process is { HasExited: false };

    public string RecentOutput
    {
        get
        {
            lock (_output) return _output.Length <= 4000 ? _output.ToString() : _output.ToString(_output.Length - 4000, 4000);
        }
    }

    public static string EchoDllPath =>
        typeof(EchoServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EchoSampleDll").Value!;

    public async Task InitializeAsync()
    {
        var dll = EchoDllPath;
        if (!File.Exists(dll)) throw new InvalidOperationException($"The Echo sample is not built: {dll} is missing.");

        // A port taken between this probe and the server's bind makes the start fail; then another is tried.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await StartAsync(dll, FreePort());
                await WarmUpAsync();
                return;
            }
            catch (Exception exception) when (attempt < 2)
            {
                last = exception;
                Stop();
            }
        }
        throw new InvalidOperationException("The Echo sample did not start.", last);
    }

    private async Task StartAsync(string dll, int port)
    {
        Port = port;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var argument in ExtraArguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");

        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Append("out", e.Data);
            // Program.cs prints the endpoint once the host has started.
            if (e.Data.Contains("Echo endpoint: ws://", StringComparison.Ordinal)) announced.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) Append("err", e.Data);
        };
        process.Exited += (_, _) => announced.TrySetException(new InvalidOperationException("The Echo sample exited during start:\n" + RecentOutput));
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        await announced.Task.WaitAsync(timeout.Token);
        // Announced means listening; still, wait until the port takes connections.
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    /// <summary>
    /// A few cases run first and forgotten, so that the first measured case does not pay for the JIT of both sides
    /// (a cold first connection takes most of a second): an echo, a failed connection, a compressed exchange.
    /// </summary>
    private async Task WarmUpAsync()
    {
        foreach (var id in Name == "compressed" ? new[] { "1.1.2", "2.2", "6.3.1", "7.7.1", "12.1.3" } : ["1.1.2", "2.2", "6.3.1", "7.7.1"])
        {
            await CaseRunner.RunAsync(CaseCatalog.Get(id), this);
        }
    }

    public Task DisposeAsync()
    {
        Stop();
        if (Environment.GetEnvironmentVariable("ENDPOINTS_TEST_RESULTS") is { Length: > 0 } results)
        {
            try
            {
                Directory.CreateDirectory(results);
                lock (_output) File.WriteAllText(Path.Combine(results, $"conformance-server-{Name}.log"), _output.ToString());
            }
            catch (IOException)
            {
                // The log is a convenience; the verdicts are in conformance.txt.
            }
        }
        ConformanceReport.Write();
        return Task.CompletedTask;
    }

    private void Stop()
    {
        if (_process is not { } process) return;
        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        process.Dispose();
    }

    private void Append(string stream, string line)
    {
        lock (_output)
        {
            // Bounded: a misbehaving run must not fill the memory with log lines.
            if (_output.Length > 4_000_000) _output.Remove(0, 1_000_000);
            _output.Append(stream).Append(": ").AppendLine(line);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The dotnet host that runs this test (the CLI passes it on), else "dotnet" from the PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet") return path;
        return "dotnet";
    }
}

/// <summary>The Echo sample as it starts by default: no compression offered.</summary>
public sealed class PlainEchoServer() : EchoServer("plain");

/// <summary>The Echo sample with <c>--EnableCompression=true</c>: permessage-deflate offered.</summary>
public sealed class CompressedEchoServer() : EchoServer("compressed", "--EnableCompression=true");
