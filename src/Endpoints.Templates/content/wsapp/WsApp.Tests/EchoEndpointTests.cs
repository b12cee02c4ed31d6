using System.Net;
using Endpoints.Client;
using Endpoints.Testing;

namespace WsApp.Tests;

/// <summary>
/// Runs the endpoint on Kestrel (a free loopback port) through Endpoints.Testing's host, and talks to it with its client:
/// every receive fails with a clear TimeoutException after 10 s instead of hanging the run.
/// </summary>
public sealed class EchoEndpointTests
{
    [Fact]
    public async Task TheAppEchoesTextAndBinary()
    {
        // The app exactly as Program.cs builds it, on a fake clock (host.Time) with a test sign-in.
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => AppHost.Create(args));
        await using var client = await host.ConnectAsync("/echo");

        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());

        await client.SendBinaryAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await client.ReceiveBinaryAsync());

        var close = await client.CloseAsync();
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, close.Status);
    }

    [Fact]
    public async Task TheEndpointAloneEchoesForASignedInUser()
    {
        // One endpoint class and the services it needs (its ILogger comes with the host); user: signs the connection in.
        await using var host = await WebSocketEndpointTestHost.StartAsync<EchoEndpoint>();
        await using var client = await host.ConnectAsync("/echo", user: "ann");

        await client.SendTextAsync("hi");
        Assert.Equal("hi", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task TheTypedClientEchoesAndKnowsWhenTheEndpointHasHandledAMessage()
    {
        // EchoClient (below) is written from EchoEndpoint's contract: SendTextAsync and SendBinaryAsync because it has
        // OnText and OnBinary, PathFor() from its route. The host's client is signed in as ann.
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => AppHost.Create(args));
        await using var echo = new EchoClient(host.CreateClient(EchoClient.PathFor(), user: "ann"));
        await echo.StartAsync();
        await using var received = echo.ReadAllAsync().GetAsyncEnumerator();

        await echo.SendTextAsync("hello");
        Assert.True(await received.MoveNextAsync());
        Assert.Equal("hello", received.Current);

        // Acknowledged: completes once OnBinary has returned (over the endpoints.v1 subprotocol the client offers).
        await echo.SendBinaryWithAckAsync(new byte[] { 1, 2, 3 });
        Assert.True(await received.MoveNextAsync());
        Assert.Equal(new byte[] { 1, 2, 3 }, Assert.IsType<ReadOnlyMemory<byte>>(received.Current).ToArray());
    }

    [Fact]
    public async Task ARequestForAnotherHostNameIsRefused()
    {
        // AllowedHosts (localhost and the loopback addresses unless configured) stops DNS rebinding: a hostile page whose
        // own name resolves to this machine would otherwise pass the WebSocket same-origin check.
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => AppHost.Create(args));
        using var http = new HttpClient { BaseAddress = host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo");
        request.Headers.Host = "attacker.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

/// <summary>A typed client of the app's endpoint, written by Endpoints.Client's generator.</summary>
[WebSocketClient(typeof(EchoEndpoint))]
public sealed partial class EchoClient;
