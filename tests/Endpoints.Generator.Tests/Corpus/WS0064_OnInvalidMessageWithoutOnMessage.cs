// OnInvalidMessage runs for text that is none of the OnMessage types: without an OnMessage it never runs.
// expect WS0064 at `OnInvalidMessage`: 'PlainEndpoint' has OnInvalidMessage but no OnMessage, so no text is ever a typed message and OnInvalidMessage never runs; remove it (every text message goes to OnText), or add an OnMessage for each message type
// generates: PlainEndpoint
using Endpoints;

[WebSocketEndpoint("/plain")]
public sealed class PlainEndpoint
{
    public void OnText(string text) { }
    public void OnInvalidMessage(WebSocketInvalidMessage invalid) { }
}
