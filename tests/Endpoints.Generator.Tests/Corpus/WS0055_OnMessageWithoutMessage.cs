// OnMessage must take the message.
// expect WS0055 at `(WebSocketConnection connection)`: OnMessage must take the message, a class or struct of yours; add a parameter for it, e.g. 'Move move'
// generates: none
using Endpoints;

[WebSocketEndpoint("/game")]
public sealed class GameEndpoint
{
    public void OnMessage(WebSocketConnection connection) { }
}
