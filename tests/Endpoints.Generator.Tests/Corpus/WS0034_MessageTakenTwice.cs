// Two parameters for the one message.
// expect WS0034 at `again`: Parameter 'again' of OnText takes the message again ('text' already does); remove one of them
// generates: none
using Endpoints;

[WebSocketEndpoint("/twice")]
public sealed class TwiceEndpoint
{
    public void OnText(string text, string again) { }
}
