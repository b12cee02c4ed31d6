using Endpoints;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);

    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
}
