using System.Globalization;
using ChaosServer;
using Endpoints;
using Microsoft.AspNetCore.Mvc;

// One node of the chaos bench (bench/Chaos): a resumable endpoint and a Live twin, both on the Redis backplane, and
// the publisher's side as HTTP, so that the bench numbers every payload itself ("<stream> <seq>") and checks delivery
// independently of the server's offsets.
//   dotnet ChaosServer.dll --urls http://127.0.0.1:PORT --redis 127.0.0.1:6379 --node s1
// Clients connect to /resumable or /live?user=U&groups=G1,G2 (the user comes from the query: the bench signs nobody in).
// POST /publish/{resumable|live}/{group|user}/{target}/{seq} sends "<g:target|u:target> <seq>" to the group or user.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var redis = builder.Configuration["redis"] ?? throw new ArgumentException("--redis host:port is required");
var node = builder.Configuration["node"] ?? "chaos";
builder.Services.AddSingleton<IWebSocketUserIdProvider, QueryUserIdProvider>();
// A replay of a full history (300 messages) per stream fits in the outbox, so it is not cut short and resumed again.
builder.Services.AddWebSocketEndpoints(o => o.OutboxCapacity = 1024).AddRedis(redis, o =>
{
    o.ChannelPrefix = "chaos";
    o.NodeId = node;
});

var app = builder.Build();
app.MapWebSocketEndpoint<ResumableChaosEndpoint>();
app.MapWebSocketEndpoint<LiveChaosEndpoint>();
app.MapGet("/health", () => "ok");
app.MapPost("/publish/{delivery}/{kind}/{target}/{seq:long}", async (string delivery, string kind, string target, long seq,
    IWebSocketClients<ResumableChaosEndpoint> resumable, IWebSocketClients<LiveChaosEndpoint> live) =>
{
    var stream = kind switch
    {
        "group" => "g:" + target,
        "user" => "u:" + target,
        _ => null,
    };
    if (stream is null || delivery is not ("resumable" or "live")) return Results.BadRequest();
    var payload = stream + " " + seq.ToString(CultureInfo.InvariantCulture);
    if (delivery == "resumable")
    {
        await (kind == "group" ? resumable.Group(target) : resumable.User(target)).SendTextAsync(payload);
    }
    else
    {
        await (kind == "group" ? live.Group(target) : live.User(target)).SendTextAsync(payload);
    }
    return Results.Text("ok");
});
app.Run();

namespace ChaosServer
{
    /// <summary>Resumable delivery: every group and user message numbered in its Redis stream and replayed after a reconnect.</summary>
    [WebSocketEndpoint("/resumable", Delivery = WebSocketDelivery.Resumable)]
    public sealed class ResumableChaosEndpoint
    {
        public async ValueTask OnOpen(WebSocketConnection connection, [FromQuery] string? groups)
        {
            foreach (var group in (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) await connection.JoinGroupAsync(group);
        }
    }

    /// <summary>The same endpoint with plain (Live) delivery: the Redis CPU baseline.</summary>
    [WebSocketEndpoint("/live")]
    public sealed class LiveChaosEndpoint
    {
        public async ValueTask OnOpen(WebSocketConnection connection, [FromQuery] string? groups)
        {
            foreach (var group in (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) await connection.JoinGroupAsync(group);
        }
    }

    /// <summary>The user id comes from ?user=.</summary>
    public sealed class QueryUserIdProvider : IWebSocketUserIdProvider
    {
        public string? GetUserId(HttpContext context) => context.Request.Query["user"].FirstOrDefault();
    }
}
