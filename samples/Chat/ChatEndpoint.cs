using System.Globalization;
using Endpoints;

namespace Chat;

/// <summary>
/// A chat room per route value: every text message goes to everyone in the room. "/nick NAME" renames
/// the sender.
/// </summary>
[WebSocketEndpoint("/chat/{room}", MaxMessageSize = 4096)]
public sealed class ChatEndpoint(ChatRooms rooms, ILogger<ChatEndpoint> log)
{
    private static int s_guests;

    public Member OnOpen(WebSocketConnection connection, string room)
    {
        var guest = "guest-" + Interlocked.Increment(ref s_guests).ToString(CultureInfo.InvariantCulture);
        var member = new Member(guest, rooms.Get(room), connection);
        member.Room.Add(member);
        member.Connection.TrySendText($"* welcome to {member.Room.Name}, {guest} ({member.Room.Count} here)");
        member.Room.Broadcast($"* {guest} joined");
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
