using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Endpoint shapes beyond a plain class generate and run: records, required members, partial classes, nullable state.</summary>
public sealed class ShapeTests
{
    [Fact]
    public async Task ARecordWithARequiredMemberGetsItsServices()
    {
        await using var server = await TestServer.StartAsync();
        using (var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/shapes/record/rec")))
        {
            await socket.SendTextAsync("hi");
            Assert.Equal("rec:hi", await socket.ReceiveTextAsync());
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        // The required member came from the connection's scope: it is disposed with it, under the key OnOpen gave it.
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("rec").Contains("scope disposed"), "the scope's end");
        Assert.Equal(["record open", "scope disposed"], server.Probe.EventsOf("rec"));
    }

    [Theory]
    [InlineData("ada", "ada:hello")]
    [InlineData("nobody", "(no one):hello")]
    public async Task StateThatMayBeNullReachesACallbackInTheOtherPartOfAPartialClass(string name, string expected)
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/shapes/maybe/" + name));
        await socket.SendTextAsync("hello");
        Assert.Equal(expected, await socket.ReceiveTextAsync());
    }
}
