// A typed client of a class without [WebSocketEndpoint]: a message type, say, or a class that was renamed.
// expect WS0090 at `typeof(Chat)`: 'Chat' has no [WebSocketEndpoint], so the typed client 'ChatClient' has no contract to follow; name the class marked [WebSocketEndpoint] it should talk to
// generates: Shapes.ChatEndpoint
using Endpoints;
using Endpoints.Client;

namespace Shapes;

public sealed class Chat { }

[WebSocketEndpoint("/chat")]
public sealed class ChatEndpoint
{
    public void OnText(string text) { }
}

[WebSocketClient(typeof(Chat))]
public sealed partial class ChatClient;
