// Two parameters for the one message.
// expect WS0034 at `string again`: Parameter 'again' of OnText is a second string, but OnText gets one message and 'text' takes it; remove 'again' (who sent the message is this connection: keep what you need in the state OnOpen returns), or mark it [FromQuery] or [FromHeader] to bind a value of the request
// generates: none
using Endpoints;

[WebSocketEndpoint("/twice")]
public sealed class TwiceEndpoint
{
    public void OnText(string text, string again) { }
}
