using Endpoints;
using Microsoft.AspNetCore.Authorization;

namespace Chat;

/// <summary>One person in one room. Their name is their signed-in user id, so /msg can reach all their tabs.</summary>
public sealed record Member(string Name, string Room, WebSocketConnection Connection);

/// <summary>
/// A chat room per route value (a group of the endpoint; names are case-sensitive): every text line goes to
/// everyone in the room. "/msg NAME text" goes to every connection of that user and to the sender's own;
/// "/who" lists the room. Only signed-in users may connect (401 before the upgrade otherwise), and only from
/// this site's own pages (403 otherwise). Delivery is resumable: a page that reconnects within two minutes gets what
/// was said meanwhile, once and in order (docs/protocol.md), and is told of what could not be replayed. Who left is
/// said by <see cref="ChatPresence"/>, after the presence grace: a page back within it never left.
/// </summary>
[Authorize]
[WebSocketEndpoint("/chat/{room}", MaxMessageSize = 4096, Delivery = WebSocketDelivery.Resumable)]
public sealed class ChatEndpoint(IWebSocketClients<ChatEndpoint> clients, ChatPresence presence, ILogger<ChatEndpoint> log)
{
    public async Task<Member> OnOpen(WebSocketConnection connection, string room)
    {
        var member = new Member(connection.UserId ?? "anonymous", room, connection);
        // On a resumed session, joining replays what the room said since this client's last line.
        await connection.JoinGroupAsync(room);
        if (connection.IsResumed)
        {
            // Its page still shows the welcome. Back within the presence grace, it never left; later, the others heard it leave.
            if (!presence.ContinuedWithoutLeaving(connection.Id)) await clients.GroupExcept(room, connection.Id).SendTextAsync($"* {member.Name} is back");
            return member;
        }
        var here = await clients.Presence.CountGroupMembersAsync(room);
        connection.TrySendText($"* welcome to {room}, {member.Name} ({here} here)");
        await clients.Group(room).SendTextAsync($"* {member.Name} joined");
        return member;
    }

    public async Task OnText(Member member, string text)
    {
        if (text == "/who")
        {
            var members = await clients.Presence.GetGroupMembersAsync(member.Room);
            var names = members.Select(m => m.UserId ?? "anonymous").Distinct().Order(StringComparer.Ordinal);
            member.Connection.TrySendText($"* in {member.Room}: {string.Join(", ", names)}");
            return;
        }
        if (text.StartsWith("/msg ", StringComparison.Ordinal))
        {
            var parts = text[5..].Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length < 2 || parts[1].Length == 0)
            {
                member.Connection.TrySendText("* usage: /msg NAME text");
                return;
            }
            var line = $"{member.Name} → {parts[0]}: {parts[1]}";
            var sent = await clients.User(parts[0]).SendTextAsync(line);
            // The result counts this server's connections only; on several servers, ask presence before saying "not here".
            if (sent.QueuedHere + sent.DroppedHere == 0 && (await clients.Presence.GetUserConnectionsAsync(parts[0])).Count == 0)
            {
                member.Connection.TrySendText($"* {parts[0]} is not here");
                return;
            }
            // The sender's other tabs see the conversation too; messaging yourself sends once.
            if (parts[0] != member.Name) await clients.User(member.Name).SendTextAsync(line);
            return;
        }
        await clients.Group(member.Room).SendTextAsync($"{member.Name}: {text}");
    }

    public void OnError(Member member, Exception error) => log.LogWarning(error, "Chat connection of {Name} failed", member.Name);
}
