using Endpoints;
using Microsoft.AspNetCore.Mvc;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>
/// Fan-out by command: "group G text", "group-but-me G text", "user U text", "all text", "others text",
/// "to ID text", "join G", "leave G", "who G", "id". Connects as the user named by ?user= (anonymous without)
/// into the groups of ?groups=a,b.
/// </summary>
[WebSocketEndpoint("/groups")]
public sealed class GroupsEndpoint(IWebSocketClients<GroupsEndpoint> clients)
{
    public async ValueTask OnOpen(WebSocketConnection connection, [FromQuery] string? groups)
    {
        foreach (var group in (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) await connection.JoinGroupAsync(group);
    }

    public async ValueTask OnText(WebSocketConnection connection, string text)
    {
        var parts = text.Split(' ', 3);
        WebSocketFanOutResult sent;
        switch (parts[0])
        {
            case "group": sent = await clients.Group(parts[1]).SendTextAsync(parts[2]); break;
            case "group-but-me": sent = await clients.GroupExcept(parts[1], connection.Id).SendTextAsync(parts[2]); break;
            case "user": sent = await clients.User(parts[1]).SendTextAsync(parts[2]); break;
            case "to": sent = await clients.Connection(parts[1]).SendTextAsync(parts[2]); break;
            case "all": sent = await clients.All.SendTextAsync(text[4..]); break;
            case "others": sent = await clients.AllExcept(connection.Id).SendTextAsync(text[7..]); break;
            case "join": await connection.JoinGroupAsync(parts[1]); await connection.SendTextAsync("joined " + parts[1]); return;
            case "leave": await connection.LeaveGroupAsync(parts[1]); await connection.SendTextAsync("left " + parts[1]); return;
            case "id": await connection.SendTextAsync("id " + connection.Id + " user " + (connection.UserId ?? "none")); return;
            case "who":
                var members = await clients.Presence.GetGroupMembersAsync(parts[1]);
                await connection.SendTextAsync("who " + string.Join(",", members.Select(m => m.UserId ?? "anonymous")));
                return;
            default: throw new InvalidOperationException("unknown command " + parts[0]);
        }
        await connection.SendTextAsync($"sent {sent.QueuedHere}/{sent.DroppedHere}");
    }
}
