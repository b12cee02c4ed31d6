using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Endpoints.Redis;
using Endpoints.Tests;

namespace Endpoints.Redis.Tests;

/// <summary>One server of a cluster: Kestrel on a free loopback port, endpoints, and the Redis backplane.</summary>
public sealed class Node : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private Node(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<Node> StartAsync(RedisServer redis, string prefix, string name, TimeProvider time, Action<RedisBackplaneOptions>? configure = null, int outboxCapacity = 256,
        HandledMessages? handled = null, int port = 0, TimeSpan? presenceGrace = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IWebSocketUserIdProvider, QueryUserIdProvider>();
        builder.Services.AddSingleton(handled ?? new HandledMessages());
        builder.Services.AddWebSocketEndpoints(o =>
        {
            o.OutboxCapacity = outboxCapacity;
            if (presenceGrace is { } grace) o.History.PresenceGrace = grace;
        }).AddRedis(redis.Configuration, o =>
        {
            o.ChannelPrefix = prefix;
            o.NodeId = name;
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapWebSocketEndpoint<ClusterEndpoint>();
        app.MapWebSocketEndpoint<ResumableClusterEndpoint>();
        await app.StartAsync();
        // Connected to Redis before a client comes: a hello that finds the backplane away is asked to come back (1013).
        var backplane = app.Services.GetRequiredService<RedisBackplaneCoordinator>();
        await Eventually.WaitUntilAsync(() => backplane.IsConnected, $"server {name} to connect to Redis");
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Node(app, new Uri(address.Replace("http", "ws", StringComparison.Ordinal)));
    }

    public Task<ClientWebSocket> ConnectAsync(string user, string groups = "") => Client.ConnectAsync(new Uri(Address, $"/cluster?user={user}&groups={groups}"));

    /// <summary>A crash: the server ends without stopping its services, so it never says goodbye to Redis.</summary>
    public async Task CrashAsync()
    {
        _stopped = true;
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

public static class Client
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static async Task<ClientWebSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    public static async Task SendTextAsync(this ClientWebSocket socket, string text)
        => await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task<string> ReceiveTextAsync(this ClientWebSocket socket, TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? Timeout);
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed: " + socket.CloseStatus);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    public static async Task<string> CommandAsync(this ClientWebSocket socket, string command)
    {
        await socket.SendTextAsync(command);
        return await socket.ReceiveTextAsync();
    }
}
