using System.Net;
using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

public sealed class StateAndBindingTests
{
    [Fact]
    public async Task OnOpensStateIsThreadedThroughEveryCallbackOfItsConnection()
    {
        await using var server = await TestServer.StartAsync();
        using var alice = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/alice"));
        using var bob = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/bob"));

        await alice.SendTextAsync("a");
        await bob.SendTextAsync("x");
        await alice.SendTextAsync("b");
        Assert.Equal("alice:1:a", await alice.ReceiveTextAsync());
        Assert.Equal("alice:2:b", await alice.ReceiveTextAsync());
        Assert.Equal("bob:1:x", await bob.ReceiveTextAsync());

        await alice.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("alice").Count > 0, "alice's OnClose");
        var close = Assert.Single(server.Probe.ClosesOf("alice"));
        Assert.Equal(new WebSocketCloseInfo(WebSocketCloseStatus.NormalClosure, "bye", WebSocketCloseReason.ClientClosed), close);
        Assert.Contains("close after 2", server.Probe.EventsOf("alice"));
    }

    [Fact]
    public async Task TheConnectionsServiceScopeIsDisposedAfterOnClose()
    {
        await using var server = await TestServer.StartAsync();
        using (var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/services/scope-test")))
        {
            Assert.Equal("/services/scope-test via True", await socket.ReceiveTextAsync());
            await socket.SendTextAsync("hi");
            Assert.Equal("scope-test:hi", await socket.ReceiveTextAsync());
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("scope-test").Contains("scope disposed"), "scope disposal");
        Assert.Equal(["OnClose", "scope disposed"], server.Probe.EventsOf("scope-test"));
    }

    [Fact]
    public async Task RouteValuesOfSeveralTypesAreParsed()
    {
        await using var server = await TestServer.StartAsync();
        var session = Guid.NewGuid();

        using var withPage = await WebSocketClient.ConnectAsync(server.WebSocketUri($"/typed/42/{session}/dark/7"));
        Assert.Equal($"id=42 session={session} shade=Dark page=7", await withPage.ReceiveTextAsync());

        using var withoutPage = await WebSocketClient.ConnectAsync(server.WebSocketUri($"/typed/-1/{session}/Light"));
        Assert.Equal($"id=-1 session={session} shade=Light page=none", await withoutPage.ReceiveTextAsync());
    }

    [Theory]
    [InlineData("/typed/forty-two/6f9619ff-8b86-d011-b42d-00cf4fc964ff/dark", "'id' is not a valid int")]
    [InlineData("/typed/42/not-a-guid/dark", "'session' is not a valid System.Guid")]
    [InlineData("/typed/42/6f9619ff-8b86-d011-b42d-00cf4fc964ff/purple", "'shade' is not a valid Endpoints.EndToEnd.Tests.TestEndpoints.Shade")]
    [InlineData("/typed/42/6f9619ff-8b86-d011-b42d-00cf4fc964ff/dark/x", "'page' is not a valid int")]
    public async Task ARouteValueThatDoesNotParseIsA400BeforeTheUpgrade(string path, string reason)
    {
        await using var server = await TestServer.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(path), CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);

        // The same request as plain HTTP/1.1 upgrade shows the reason in the body.
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }
}
