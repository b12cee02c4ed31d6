using Endpoints;

namespace Echo;

/// <summary>Sends every message back to the client that sent it: text as text, binary as binary.</summary>
[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    // Text arrives as its UTF-8 bytes (checked) and goes back without being decoded; take a `string text` to work with it.
    public ValueTask OnText(WebSocketConnection connection, ReadOnlyMemory<byte> utf8) => connection.SendTextAsync(utf8);

    // SendBinaryAsync completes once the frame is written, so the received buffer is still valid here.
    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
}
