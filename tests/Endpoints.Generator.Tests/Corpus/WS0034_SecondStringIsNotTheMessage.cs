// Two strings in OnText: the one named like the message is it, the other is reported (not the message).
// expect WS0034 at `string sender`: Parameter 'sender' of OnText is a second string, but OnText gets one message and 'text' takes it; remove 'sender' (who sent the message is this connection: keep what you need in the state OnOpen returns), or mark it [FromQuery] or [FromHeader] to bind a value of the request
// generates: none
using Endpoints;

[WebSocketEndpoint("/say")]
public sealed class SayEndpoint
{
    public void OnText(WebSocketConnection connection, string sender, string text) { }
}
