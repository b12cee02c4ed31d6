using Endpoints;

namespace WsApp;

/// <summary>Sends every message back: text as text, binary as binary. Connect to ws://localhost:5000/echo.</summary>
[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint(ILogger<EchoEndpoint> log)
{
    public void OnOpen(WebSocketConnection connection) => log.LogInformation("Connection {Id} opened", connection.Id);

    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);

    // SendBinaryAsync completes once the frame is written, so the received buffer is still valid here.
    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);

    public void OnClose(WebSocketCloseInfo close) => log.LogInformation("Connection closed: {Reason}", close.Reason);
}
