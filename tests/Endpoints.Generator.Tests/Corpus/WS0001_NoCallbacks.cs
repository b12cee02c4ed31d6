// A class marked as an endpoint without any callback.
// expect WS0001 at `Nothing`: 'Nothing' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError, so nothing would ever run; add at least one, e.g. 'public void OnText(string text)'
// generates: none
using Endpoints;

[WebSocketEndpoint("/nothing")]
public sealed class Nothing
{
    public void Helper(string text) { }
}
