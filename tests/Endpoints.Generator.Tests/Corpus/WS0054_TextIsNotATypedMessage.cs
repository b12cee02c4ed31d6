// A string is not a JSON object: plain text belongs in OnText.
// expect WS0054 at `string`: 'string' cannot be a typed message: a string is not a JSON object; take text in OnText, or wrap it in a record
// generates: none
using Endpoints;

[WebSocketEndpoint("/text")]
public sealed class TextEndpoint
{
    public void OnMessage(WebSocketConnection connection, string text) { }
}
