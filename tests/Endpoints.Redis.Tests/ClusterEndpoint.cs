using Endpoints;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http;

namespace Endpoints.Redis.Tests;

/// <summary>Fan-out by command across the cluster: "group G text", "user U text", "all text", "to ID text", "join ID G", "leave ID G", "who G", "members G", "users", "count", "id".</summary>
[WebSocketEndpoint("/cluster")]
public sealed class ClusterEndpoint(IWebSocketClients<ClusterEndpoint> clients)
{
    public async ValueTask OnOpen(WebSocketConnection connection, [FromQuery] string? groups)
    {
        foreach (var group in (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) await connection.JoinGroupAsync(group);
    }

    public async ValueTask OnText(WebSocketConnection connection, string text)
    {
        var parts = text.Split(' ', 3);
        switch (parts[0])
        {
            case "group": await clients.Group(parts[1]).SendTextAsync(parts[2]); return;
            case "user": await clients.User(parts[1]).SendTextAsync(parts[2]); return;
            case "to": await clients.Connection(parts[1]).SendTextAsync(parts[2]); return;
            case "all": await clients.All.SendTextAsync(text[4..]); return;
            case "others": await clients.AllExcept(connection.Id).SendTextAsync(text[7..]); return;
            case "join": await connection.SendTextAsync("join " + await clients.AddToGroupAsync(parts[1], parts[2])); return;
            case "leave": await connection.SendTextAsync("leave " + await clients.RemoveFromGroupAsync(parts[1], parts[2])); return;
            case "who":
                var members = await clients.Presence.GetGroupMembersAsync(parts[1]);
                await connection.SendTextAsync("who " + string.Join(",", members.Select(m => m.UserId).Order(StringComparer.Ordinal)));
                return;
            case "users": await connection.SendTextAsync("users " + string.Join(",", await clients.Presence.GetConnectedUsersAsync())); return;
            case "count": await connection.SendTextAsync("count " + await clients.Presence.CountConnectionsAsync()); return;
            case "members": await connection.SendTextAsync("members " + await clients.Presence.CountGroupMembersAsync(parts[1])); return;
            case "id": await connection.SendTextAsync("id " + connection.Id); return;
            case "ok": await connection.SendTextAsync("ok"); return;
        }
    }
}

/// <summary>The user id comes from ?user= (the tests sign nobody in).</summary>
public sealed class QueryUserIdProvider : IWebSocketUserIdProvider
{
    public string? GetUserId(HttpContext context) => context.Request.Query["user"].FirstOrDefault();
}

/// <summary>
/// The cluster's resumable room: "group G text", "user U text", "all text", "me text" (this connection's session),
/// "burst N" (N lines to this connection at once); anything else is recorded as handled.
/// </summary>
[WebSocketEndpoint("/resumable", Delivery = WebSocketDelivery.Resumable)]
public sealed class ResumableClusterEndpoint(IWebSocketClients<ResumableClusterEndpoint> clients, HandledMessages handled)
{
    public async ValueTask OnOpen(WebSocketConnection connection, [FromQuery] string? groups)
    {
        handled.Add((connection.UserId ?? "") + (connection.IsResumed ? " resumed" : " fresh"));
        foreach (var group in (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) await connection.JoinGroupAsync(group);
    }

    public async ValueTask OnText(WebSocketConnection connection, string text)
    {
        var parts = text.Split(' ', 3);
        switch (parts[0])
        {
            case "group": await clients.Group(parts[1]).SendTextAsync(parts[2]); return;
            case "user": await clients.User(parts[1]).SendTextAsync(parts[2]); return;
            case "all": await clients.All.SendTextAsync(text[4..]); return;
            case "me": await connection.SendTextAsync(text[3..]); return;
            case "burst":
                for (var i = 1; i <= int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture); i++) connection.TrySendText("line " + i);
                return;
            default: handled.Add((connection.UserId ?? "") + " " + text); return;
        }
    }
}

/// <summary>What the resumable endpoints of a test's servers handled, in order.</summary>
public sealed class HandledMessages
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _items = new();

    public void Add(string item) => _items.Enqueue(item);

    public IReadOnlyList<string> Items => [.. _items];
}
