using System.Net.WebSockets;

namespace Endpoints.Testing.Tests.Samples;

/// <summary>samples/Echo: its endpoint class alone, mapped through its project's generated module.</summary>
public sealed class EchoSampleTests
{
    [Fact]
    public async Task EchoesTextAndBinary()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<Echo.EchoEndpoint>();
        await using var client = await host.ConnectAsync("/echo");

        await client.SendTextAsync("héllo");
        Assert.Equal("héllo", await client.ReceiveTextAsync());
        await client.SendBinaryAsync(new byte[] { 0, 255, 7 });
        Assert.Equal([0, 255, 7], await client.ReceiveBinaryAsync());

        var close = await client.CloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.Status);
    }
}
