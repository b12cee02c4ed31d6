// Two parameters for one value of the connection: the second one is the mistake.
// expect WS0063 at `CancellationToken timeout`: Parameter 'timeout' of OnText is a second CancellationToken, but there is one, the connection's lifetime token, and 'cancellationToken' takes it; remove 'timeout'
// expect WS0063 at `WebSocketConnection other`: Parameter 'other' of OnClose is a second WebSocketConnection, but there is one, the connection, and 'connection' takes it; remove 'other'
// generates: none
using System.Threading;
using Endpoints;

[WebSocketEndpoint("/twice")]
public sealed class TwiceEndpoint
{
    public void OnText(string text, CancellationToken cancellationToken, CancellationToken timeout) { }
    public void OnClose(WebSocketConnection connection, WebSocketCloseInfo close, WebSocketConnection other) { }
}
