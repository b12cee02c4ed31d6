// Groups and users named after connection.UserId, which is null for an anonymous user.
// expect WS0073 at `connection.UserId`#1: 'connection.UserId' is null for an anonymous user, so 'JoinGroupAsync' would throw ArgumentNullException for an anonymous connection; check it first ('if (connection.UserId is { } userId)', then use userId), or require an authenticated user with [Authorize] on the endpoint class
// expect WS0073 at `connection.UserId`#2: 'connection.UserId' is null for an anonymous user, so every anonymous connection would get the same name in 'Group', with nothing in place of it; check it first ('if (connection.UserId is { } userId)', then use userId), or require an authenticated user with [Authorize] on the endpoint class
// expect WS0073 at `connection.UserId`#3: 'connection.UserId' is null for an anonymous user, so 'User' would throw ArgumentNullException for an anonymous connection; check it first ('if (connection.UserId is { } userId)', then use userId), or require an authenticated user with [Authorize] on the endpoint class
// generates: Shapes.InboxEndpoint
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/inbox")]
public sealed class InboxEndpoint(IWebSocketClients<InboxEndpoint> clients)
{
    public async Task OnOpen(WebSocketConnection connection) => await connection.JoinGroupAsync(connection.UserId);

    // Null is "" in the text: every anonymous connection hears of every other's closing.
    public async Task OnClose(WebSocketCloseInfo close, WebSocketConnection connection)
        => await clients.Group($"user:{connection.UserId}").SendTextAsync("a tab closed");

    public Task OnText(string text, WebSocketConnection connection) => clients.User(connection.UserId).SendTextAsync(text).AsTask();
}
