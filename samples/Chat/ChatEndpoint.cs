using System.Security.Claims;
using Endpoints;
using Microsoft.AspNetCore.Authorization;

namespace Chat;

/// <summary>
/// A chat room per route value: every text message goes to everyone in the room. Only signed-in users may
/// connect (401 before the upgrade otherwise), and only from this site's own pages (403 otherwise).
/// "/nick NAME" renames the sender.
/// </summary>
[Authorize]
[WebSocketEndpoint("/chat/{room}", MaxMessageSize = 4096)]
public sealed class ChatEndpoint(ChatRooms rooms, ILogger<ChatEndpoint> log)
{
    public Member OnOpen(WebSocketConnection connection, string room, ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "anonymous";
        var member = new Member(name, rooms.Get(room), connection);
        member.Room.Add(member);
        member.Connection.TrySendText($"* welcome to {member.Room.Name}, {name} ({member.Room.Count} here)");
        member.Room.Broadcast($"* {name} joined");
        return member;
    }

    public void OnText(Member member, string text)
    {
        if (text.StartsWith("/nick ", StringComparison.Ordinal) && text.Length > 6)
        {
            var old = member.Name;
            member.Name = text[6..].Trim();
            member.Room.Broadcast($"* {old} is now {member.Name}");
            return;
        }
        member.Room.Broadcast($"{member.Name}: {text}");
    }

    public void OnClose(Member member, WebSocketCloseInfo close)
    {
        member.Room.Remove(member);
        member.Room.Broadcast($"* {member.Name} left");
    }

    public void OnError(Member member, Exception error) => log.LogWarning(error, "Chat connection of {Name} failed", member.Name);
}
