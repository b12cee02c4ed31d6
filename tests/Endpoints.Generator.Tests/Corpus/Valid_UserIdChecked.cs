// UserId checked before it names a group or a user, given a fallback, or on an endpoint that requires an authenticated user.
// generates: Shapes.MailEndpoint, Shapes.PrivateEndpoint
using System.Threading.Tasks;
using Endpoints;
using Microsoft.AspNetCore.Authorization;

namespace Shapes;

[WebSocketEndpoint("/mail")]
public sealed class MailEndpoint(IWebSocketClients<MailEndpoint> clients)
{
    public async Task OnOpen(WebSocketConnection connection)
    {
        if (connection.UserId is { } user) await connection.JoinGroupAsync(user);
        if (connection.UserId != null) await clients.User(connection.UserId).SendTextAsync("another tab opened");
        await connection.JoinGroupAsync(connection.UserId ?? "anonymous");
        await connection.JoinGroupAsync(connection.Id);
    }

    public void OnText(string text) { }
}

[Authorize]
[WebSocketEndpoint("/private")]
public sealed class PrivateEndpoint
{
    public async Task OnOpen(WebSocketConnection connection) => await connection.JoinGroupAsync($"user:{connection.UserId}");

    public void OnText(string text) { }
}
