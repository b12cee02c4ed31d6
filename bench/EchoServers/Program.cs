using System.Collections.Concurrent;
using System.Net.WebSockets;
using EchoServers;
using Endpoints;
using Microsoft.AspNetCore.SignalR;

// One of three servers doing the same work, chosen by the first argument:
//   endpoints    the generated endpoints (a copy of samples/Echo, and the Chat sample's room path)
//   handwritten  the best echo and fan-out loops a developer would write against ASP.NET Core's WebSocket API
//   signalr      a SignalR hub (JSON protocol)
// GET /stats answers the managed heap in bytes after a full collection; /stats/committed the bytes the GC has committed.
var mode = args.Length > 0 ? args[0] : "endpoints";
var builder = WebApplication.CreateSlimBuilder(args);
// --logging console: the console logger a new app has (with the samples' filter on per-request lines); default none.
if (builder.Configuration["logging"] == "console")
{
    builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
}
else
{
    builder.Logging.ClearProviders();
}
// --redis host:port: this server is one node of a cluster (scenario r).
var redis = builder.Configuration["redis"];
// --keepalive SECONDS: both raw servers send keep-alive frames at that interval (default: none, as the load figures use).
var keepAlive = TimeSpan.FromSeconds(double.Parse(builder.Configuration["keepalive"] ?? "0", System.Globalization.CultureInfo.InvariantCulture));
switch (mode)
{
    case "endpoints":
        builder.Services.AddWebSocketEndpoints(o =>
        {
            o.KeepAliveInterval = keepAlive;
            o.MaxMessageSize = 2 * 1024 * 1024; // the hand-written loop's limit too: scenario g sends 1 MiB
        }).AddRedisWhen(redis);
        break;
    case "signalr":
        var signalR = builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 4 * 1024 * 1024);
        if (redis is not null) signalR.AddStackExchangeRedis(redis);
        break;
}

var app = builder.Build();
switch (mode)
{
    case "endpoints":
        app.MapWebSocketEndpoint<BenchEchoEndpoint>();
        app.MapWebSocketEndpoint<BenchRoomEndpoint>();
        break;
    case "handwritten":
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = keepAlive });
        app.Map("/echo", HandWritten.EchoAsync);
        app.Map("/room", HandWritten.RoomAsync);
        break;
    case "signalr":
        app.MapHub<EchoHub>("/hub");
        break;
    default:
        throw new ArgumentException("mode must be endpoints, handwritten or signalr");
}
app.MapGet("/stats", () => GC.GetTotalMemory(forceFullCollection: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
// What the GC holds from the OS (RSS follows it), as of the last collection.
app.MapGet("/stats/fragmented", () => GC.GetGCMemoryInfo().FragmentedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
app.MapGet("/stats/allocated", () => GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
app.MapGet("/stats/committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
app.Run();

namespace EchoServers
{
    internal static class Cluster
    {
        public static WebSocketEndpointsBuilder AddRedisWhen(this WebSocketEndpointsBuilder builder, string? redis)
            => redis is null ? builder : builder.AddRedis(redis, o => o.ChannelPrefix = "bench");
    }

    /// <summary>The Echo sample's endpoint, copied so the bench owns its server.</summary>
    [WebSocketEndpoint("/echo")]
    public sealed class BenchEchoEndpoint
    {
        public ValueTask OnText(WebSocketConnection connection, ReadOnlyMemory<byte> utf8) => connection.SendTextAsync(utf8);

        public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
    }

    /// <summary>The Chat sample's room path (a group send to every member's outbox), without sign-in.</summary>
    [WebSocketEndpoint("/room")]
    public sealed class BenchRoomEndpoint(IWebSocketClients<BenchRoomEndpoint> clients)
    {
        public ValueTask OnOpen(WebSocketConnection connection) => connection.JoinGroupAsync("bench");

        public async ValueTask OnBinary(ReadOnlyMemory<byte> data) => await clients.Group("bench").SendBinaryAsync(data.ToArray());

        public async ValueTask OnText(string text) => await clients.Group("bench").SendTextAsync(text);
    }

    public sealed class EchoHub : Hub
    {
        public string Echo(string message) => message;

        /// <summary>Scenario f/h: join the room, and send to everyone in it.</summary>
        public Task Join() => Groups.AddToGroupAsync(Context.ConnectionId, "bench");

        public Task Broadcast(string message) => Clients.Group("bench").SendAsync("m", message);
    }

    /// <summary>Best-practice loops by hand (bench/Shared/HandWrittenLoop.cs): echo, and fan-out to a room.</summary>
    public static class HandWritten
    {
        private static readonly ConcurrentDictionary<WebSocket, SemaphoreSlim> s_room = new();

        public static async Task EchoAsync(HttpContext context)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await Benchmarks.HandWrittenLoop.EchoAsync(socket);
        }

        public static async Task RoomAsync(HttpContext context)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            using var sendLock = new SemaphoreSlim(1, 1);
            s_room[socket] = sendLock;
            try
            {
                await Benchmarks.HandWrittenLoop.RunAsync(socket, static async (_, message, type) =>
                {
                    // One writer per socket: a member's lock keeps two broadcasts from interleaving on it.
                    foreach (var (member, memberLock) in s_room)
                    {
                        await memberLock.WaitAsync();
                        try
                        {
                            if (member.State == WebSocketState.Open) await member.SendAsync(message, type, true, CancellationToken.None);
                        }
                        catch (WebSocketException)
                        {
                        }
                        finally
                        {
                            memberLock.Release();
                        }
                    }
                });
            }
            finally
            {
                s_room.TryRemove(socket, out _);
            }
        }

    }
}
