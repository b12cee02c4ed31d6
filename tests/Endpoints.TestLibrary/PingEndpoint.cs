using Endpoints;

namespace Endpoints.TestLibrary;

/// <summary>Answers "ping" with "pong"; lives in a library so the app must map another project's endpoints.</summary>
[WebSocketEndpoint("/library/ping")]
public sealed class PingEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text)
        => connection.SendTextAsync(text == "ping" ? "pong" : "unknown: " + text);
}
