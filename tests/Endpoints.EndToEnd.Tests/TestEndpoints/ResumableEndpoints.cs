using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>
/// A resumable room: "say X" goes to the room, "me X" to this connection (its session's stream), "burst N" sends N
/// numbered lines to this connection at once, "user NAME X" to a user. Whether OnOpen saw a resumed session is probed.
/// </summary>
[WebSocketEndpoint("/resume/{room}", Delivery = WebSocketDelivery.Resumable)]
public sealed class ResumableEndpoint(IWebSocketClients<ResumableEndpoint> clients, Probe probe)
{
    public async Task<string> OnOpen(WebSocketConnection connection, string room)
    {
        probe.Record(room, (connection.UserId ?? "anonymous") + (connection.IsResumed ? " resumed" : " fresh"));
        await connection.JoinGroupAsync(room);
        return room;
    }

    public async Task OnText(string room, string text, WebSocketConnection connection)
    {
        var (verb, rest) = text.IndexOf(' ') is var space and > 0 ? (text[..space], text[(space + 1)..]) : (text, "");
        switch (verb)
        {
            case "say":
                await clients.Group(room).SendTextAsync(rest);
                break;
            case "me":
                await connection.SendTextAsync(rest);
                break;
            case "burst":
                for (var i = 1; i <= int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture); i++) connection.TrySendText("line " + i);
                break;
            case "user":
                var parts = rest.Split(' ', 2);
                await clients.User(parts[0]).SendTextAsync(parts[1]);
                break;
            default:
                probe.Record(room, "handled " + text);
                break;
        }
    }
}
