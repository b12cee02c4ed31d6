using Endpoints;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);

    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
}

/// <summary>Text taken as its UTF-8 bytes and sent back without decoding; "send invalid" tries to send bytes that are not UTF-8.</summary>
[WebSocketEndpoint("/echo-utf8")]
public sealed class Utf8EchoEndpoint
{
    public async ValueTask OnText(WebSocketConnection connection, ReadOnlyMemory<byte> utf8)
    {
        if (utf8.Span.SequenceEqual("send invalid"u8))
        {
            try
            {
                await connection.SendTextAsync(new byte[] { 0xC3, 0x28 });
            }
            catch (ArgumentException)
            {
                await connection.SendTextAsync("refused: not UTF-8");
            }
            return;
        }
        await connection.SendTextAsync(utf8);
    }
}
