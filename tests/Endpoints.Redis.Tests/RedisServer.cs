using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Endpoints.Redis.Tests;

/// <summary>
/// A private redis-server on a free loopback port, in its own temporary directory, without persistence (a restart
/// loses everything, as a crashed cache does) unless started with an append-only file (every write synced, so a kill
/// loses nothing). Tests stop, restart and flush it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly bool _appendOnly;

    private RedisServer(bool appendOnly) => _appendOnly = appendOnly;

    private readonly string _directory = Directory.CreateTempSubdirectory("endpoints-redis-").FullName;
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(bool appendOnly = false)
    {
        var server = new RedisServer(appendOnly);
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        Stop();
        var executable = Environment.GetEnvironmentVariable("REDIS_SERVER") ?? "redis-server";
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", "always",
                "--dir", _directory, "--protected-mode", "no",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("redis-server is not installed: run ./test.sh (it installs it), or apt-get install redis-server.", exception);
        }
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server at once, as a crash would.</summary>
    public void Stop()
    {
        if (_process is null) return;
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
