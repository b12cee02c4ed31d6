// The constructor keeps what it needs; sends happen in OnOpen, or in work the constructor sets up for later.
// generates: Shapes.PresenceEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/presence")]
public sealed class PresenceEndpoint
{
    private readonly IWebSocketClients<PresenceEndpoint> _clients;
    private readonly Func<string, Task> _announce;

    public PresenceEndpoint(IWebSocketClients<PresenceEndpoint> clients)
    {
        _clients = clients;
        _announce = text => clients.All.SendTextAsync(text).AsTask();
    }

    public async Task OnOpen(WebSocketConnection connection)
    {
        await connection.SendTextAsync("welcome");
        await _clients.AllExcept(connection.Id).SendTextAsync("someone joined");
    }

    public Task OnText(string text) => _announce(text);
}
