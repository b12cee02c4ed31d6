using System.Collections.Concurrent;
using Endpoints;

namespace Chat;

/// <summary>One person in one room, with the connection their messages go out on.</summary>
public sealed class Member(string name, ChatRoom room, WebSocketConnection connection)
{
    public string Name { get; set; } = name;
    public ChatRoom Room { get; } = room;
    public WebSocketConnection Connection { get; } = connection;
}

/// <summary>A room: its members, and a broadcast that never waits on a slow member.</summary>
public sealed class ChatRoom(string name)
{
    private readonly ConcurrentDictionary<string, Member> _members = new();

    public string Name { get; } = name;

    public int Count => _members.Count;

    public void Add(Member member) => _members[member.Connection.Id] = member;

    public void Remove(Member member) => _members.TryRemove(member.Connection.Id, out _);

    /// <summary>
    /// Queues the message on every member's outbox. A member whose outbox is full reads too slowly: they
    /// miss this message rather than hold up the room.
    /// </summary>
    public int Broadcast(string message)
    {
        var delivered = 0;
        foreach (var member in _members.Values)
        {
            if (member.Connection.TrySendText(message)) delivered++;
        }
        return delivered;
    }
}

/// <summary>All rooms of the server, created on first join.</summary>
public sealed class ChatRooms
{
    private readonly ConcurrentDictionary<string, ChatRoom> _rooms = new(StringComparer.OrdinalIgnoreCase);

    public ChatRoom Get(string name) => _rooms.GetOrAdd(name, static n => new ChatRoom(n));
}
