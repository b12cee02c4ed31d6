using System.Net;
using System.Net.Sockets;
using Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.Client.Tests;

/// <summary>Echoes text; "break" closes with 1008; "restart-me" closes with 1001 (a deploy).</summary>
[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    public async ValueTask OnText(WebSocketConnection connection, string text)
    {
        if (text == "break") await connection.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "no");
        else await connection.SendTextAsync(text);
    }
}

/// <summary>Kestrel on one loopback port, stopped and started again on the same port as a deploy does.</summary>
public sealed class RestartableServer : IAsyncDisposable
{
    private WebApplication? _app;

    public int Port { get; } = FreePort();

    public Uri Uri(string path) => new($"ws://127.0.0.1:{Port}{path}");

    public static async Task<RestartableServer> StartAsync()
    {
        var server = new RestartableServer();
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        builder.Logging.ClearProviders();
        builder.Services.AddWebSocketEndpoints(o => o.CloseTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        app.MapWebSocketEndpoint<EchoEndpoint>();
        app.MapGet("/refused", (HttpContext context) =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
