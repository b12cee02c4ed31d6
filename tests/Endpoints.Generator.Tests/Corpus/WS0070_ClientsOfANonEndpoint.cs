// IWebSocketClients<T> of a class that is not an endpoint: a constructor parameter, a field, a callback parameter and
// a service lookup, in and outside endpoint classes.
// expect WS0070 at `Chat`#2: 'Chat' has no [WebSocketEndpoint], so IWebSocketClients<Chat> reaches no connection: every send goes to nobody and every group stays empty; name the endpoint class instead, e.g. 'IWebSocketClients<ChatEndpoint>'
// expect WS0070 at `Chat`#3: 'Chat' has no [WebSocketEndpoint], so IWebSocketClients<Chat> reaches no connection: every send goes to nobody and every group stays empty; name the endpoint class instead, e.g. 'IWebSocketClients<ChatEndpoint>'
// expect WS0070 at `ChatState`#2: 'ChatState' has no [WebSocketEndpoint], so IWebSocketClients<ChatState> reaches no connection: every send goes to nobody and every group stays empty; name the endpoint class instead, e.g. 'IWebSocketClients<ChatEndpoint>'
// expect WS0070 at `Chat`#4: 'Chat' has no [WebSocketEndpoint], so IWebSocketClients<Chat> reaches no connection: every send goes to nobody and every group stays empty; name the endpoint class instead, e.g. 'IWebSocketClients<ChatEndpoint>'
// generates: Shapes.ChatEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Shapes;

public sealed class Chat { }
public sealed class ChatState { }

[WebSocketEndpoint("/chat")]
public sealed class ChatEndpoint(IWebSocketClients<Chat> clients)
{
    public Task OnText(string text) => clients.All.SendTextAsync(text).AsTask();

    public Task OnClose(WebSocketCloseInfo close, [FromServices] IWebSocketClients<ChatState> others) => others.All.SendTextAsync("bye").AsTask();
}

public sealed class Announcer
{
    private readonly IWebSocketClients<Chat> _clients;

    public Announcer(IServiceProvider services) => _clients = services.GetRequiredService<IWebSocketClients<Chat>>();

    public Task Announce() => _clients.All.SendTextAsync("hello").AsTask();
}
