using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>Echoes text, but "boom" throws: OnError, then 1011, then OnClose with reason Error.</summary>
[WebSocketEndpoint("/faulty/{key}", MaxMessageSize = 1024)]
public sealed class FaultyEndpoint(Probe probe)
{
    public string OnOpen(string key) => key;

    public async ValueTask OnText(string key, string text, WebSocketConnection connection)
    {
        if (text == "boom") throw new InvalidOperationException("boom from " + key);
        await connection.SendTextAsync(text);
    }

    public ValueTask OnBinary(string key, ReadOnlyMemory<byte> data, WebSocketConnection connection) => connection.SendBinaryAsync(data);

    public void OnError(string key, Exception error) => probe.Errors.Add((key, error));

    public void OnClose(string key, WebSocketCloseInfo close) => probe.Closes.Add((key, close));
}
