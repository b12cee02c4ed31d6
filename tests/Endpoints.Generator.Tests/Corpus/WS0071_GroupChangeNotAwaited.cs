// Group changes whose task is dropped: the connection may not be in (or out of) the group yet when the next message goes.
// expect WS0071 at `connection.JoinGroupAsync(room)`: 'JoinGroupAsync' is not awaited, so a message sent to the group right after it can miss the connection, and if it fails nobody sees it; make OnOpen async (return Task<string>) and await it
// expect WS0071 at `connection.LeaveGroupAsync(room)`: 'LeaveGroupAsync' is not awaited, so the connection may still be in the group when the next line runs, and if it fails nobody sees it; await it
// expect WS0071 at `clients.AddToGroupAsync(connection.Id, "lobby")`: 'AddToGroupAsync' is not awaited, so a message sent to the group right after it can miss the connection, and if it fails nobody sees it; await it
// expect WS0071 at `connection.JoinGroupAsync("watchers")`: 'JoinGroupAsync' is not awaited, so a message sent to the group right after it can miss the connection, and if it fails nobody sees it; make Watch async (return Task) and await it
// generates: Shapes.RoomEndpoint
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/rooms/{room}")]
public sealed class RoomEndpoint(IWebSocketClients<RoomEndpoint> clients)
{
    public string OnOpen(string room, WebSocketConnection connection)
    {
        connection.JoinGroupAsync(room);
        return room;
    }

    public async Task OnText(string room, string text, WebSocketConnection connection)
    {
        if (text == "leave") _ = connection.LeaveGroupAsync(room);
        if (text == "lobby") _ = clients.AddToGroupAsync(connection.Id, "lobby");
        if (text == "watch") Watch(connection);
        await clients.Group(room).SendTextAsync(text);
    }

    private static void Watch(WebSocketConnection connection) => connection.JoinGroupAsync("watchers");
}
