// A whole URL where the pattern goes: the advice is its path.
// expect WS0021 at `"ws://localhost:5000/chat/{room}"`: The route pattern "ws://localhost:5000/chat/{room}" is a URL, but a route pattern is only its path; write "/chat/{room}"
// generates: none
using Endpoints;

[WebSocketEndpoint("ws://localhost:5000/chat/{room}")]
public sealed class UrlEndpoint
{
    public void OnOpen(string room) { }
}
