using Endpoints;

namespace Echo;

/// <summary>Sends every message back to the client that sent it: text as text, binary as binary.</summary>
[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);

    // SendBinaryAsync completes once the frame is written, so the received buffer is still valid here.
    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
}
