using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.Testing.Tests;

/// <summary>What the test host promises: sign-in, the fake clock, bounded receives, a clean stop.</summary>
public sealed class HostTests
{
    [Fact]
    public async Task TheIssuesExampleEchoes()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<TalkEndpoint>(services => services.AddSingleton(new Greeting { Word = "echo" }));
        await using var client = await host.ConnectAsync("/talk", user: "ann");
        await client.SendTextAsync("hi");
        Assert.Equal("echo: hi", await client.ReceiveTextAsync());
        await client.SendBinaryAsync(new byte[] { 1, 2, 3 });
        Assert.Equal([1, 2, 3], await client.ReceiveBinaryAsync());
    }

    [Fact]
    public async Task AUserSignedInByTheHostIsTheConnectionsUserIdAndPassesAuthorize()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<PrivateEndpoint>();
        await using var ann = await host.ConnectAsync("/private", user: "ann");
        Assert.Equal("hello, ann", await ann.ReceiveTextAsync());

        var refused = await Assert.ThrowsAsync<WebSocketUpgradeRefusedException>(() => host.ConnectAsync("/private"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("/private", refused.Message);
    }

    [Fact]
    public async Task WithoutAUserTheConnectionIsAnonymous()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>();
        await using var anonymous = await host.ConnectAsync("/whoami");
        Assert.Equal("anonymous", await anonymous.ReceiveTextAsync());
        await using var bob = await host.ConnectAsync("/whoami", user: "bob");
        Assert.Equal("bob", await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task TheTestMapsWithItsOwnGeneratedMethod()
    {
        // MapWebSocketEndpoint<T>() is generated internal into this project: the map overload lets the test call it.
        await using var host = await WebSocketEndpointTestHost.StartAsync(app => app.MapWebSocketEndpoint<WhoAmIEndpoint>());
        await using var client = await host.ConnectAsync("/whoami", user: "cy");
        Assert.Equal("cy", await client.ReceiveTextAsync());
        var refused = await Assert.ThrowsAsync<WebSocketUpgradeRefusedException>(() => host.ConnectAsync("/private", user: "cy"));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task TheFakeClockDrivesTheIdleTimeout()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<TalkEndpoint>(services =>
        {
            services.AddSingleton<Greeting>();
            services.AddWebSocketEndpoints(options => options.IdleTimeout = TimeSpan.FromMinutes(5));
        });
        await using var client = await host.ConnectAsync("/talk");
        // The answer means the server has handled the message, so its idle time restarted before the clock moves.
        await client.SendTextAsync("still here");
        Assert.Equal("heard: still here", await client.ReceiveTextAsync());
        host.Time.Advance(TimeSpan.FromMinutes(4));
        await client.SendTextAsync("and now?");
        Assert.Equal("heard: and now?", await client.ReceiveTextAsync());

        host.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var close = await client.WaitForCloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.Status);
        Assert.Equal("Idle timeout", close.Description);
    }

    [Fact]
    public async Task AReceiveThatNeverComesTimesOutNamingWhatWasAwaitedAndLeavesTheConnectionOpen()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<TalkEndpoint>(services => services.AddSingleton<Greeting>());
        await using var client = await host.ConnectAsync("/talk", user: "ann");

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => client.ReceiveTextAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal("/talk as ann: waited 00:00:00.2000000 for a text message, but none arrived.", timeout.Message);
        timeout = await Assert.ThrowsAsync<TimeoutException>(() => client.ReceiveAsync(TestJson.Default.Note, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("for a Note (JSON text)", timeout.Message);

        await client.SendTextAsync("after the timeout");
        Assert.Equal("heard: after the timeout", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task AReceiveOfTheWrongKindSaysWhatCameInstead()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<TalkEndpoint>(services => services.AddSingleton<Greeting>());
        await using var client = await host.ConnectAsync("/talk");
        await client.SendTextAsync("words");
        var wrong = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ReceiveBinaryAsync());
        Assert.Equal("/talk: waited for a binary message but received the text \"heard: words\".", wrong.Message);
    }

    [Fact]
    public async Task TheServersCloseIsReportedAfterTheMessagesBeforeIt()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<TalkEndpoint>(services => services.AddSingleton<Greeting>());
        await using var client = await host.ConnectAsync("/talk");
        await client.SendTextAsync("bye");
        var close = await client.WaitForCloseAsync();
        Assert.Equal(new WebSocketTestClose(WebSocketCloseStatus.PolicyViolation, "told to go", SkippedMessages: 1), close);

        var ended = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ReceiveTextAsync());
        Assert.Contains("the connection ended (the server closed it with 1008 \"told to go\")", ended.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendTextAsync("anyone?"));
    }

    [Fact]
    public async Task ClosingGivesTheServersAnswer()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>();
        await using var client = await host.ConnectAsync("/whoami");
        Assert.Equal("anonymous", await client.ReceiveTextAsync());
        var close = await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.Status);
        Assert.Equal(0, close.SkippedMessages);
    }

    [Fact]
    public async Task DisposingTheHostStopsTheServer()
    {
        var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>();
        var port = host.Address.Port;
        var client = await host.ConnectAsync("/whoami");
        Assert.Equal("anonymous", await client.ReceiveTextAsync());

        await host.DisposeAsync();

        using var tcp = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.NotEqual(WebSocketState.Open, client.Socket.State); // the host closed its clients first
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.ConnectAsync("/whoami"));
    }

    [Fact]
    public async Task TheRealClockIsAnOption()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>(options: new WebSocketEndpointTestHostOptions { UseRealTime = true });
        Assert.Same(TimeProvider.System, host.Services.GetRequiredService<TimeProvider>());
        Assert.Throws<InvalidOperationException>(() => host.Time);
    }

    [Fact]
    public async Task TheFakeClockStartsAtTheRealTimeAndIsTheAppsClock()
    {
        var before = DateTimeOffset.UtcNow;
        await using var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>();
        Assert.Same(host.Time, host.Services.GetRequiredService<TimeProvider>());
        Assert.InRange(host.Time.GetUtcNow(), before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task AnAppThatIsNotBuiltByTheFunctionIsRefusedWithAReason()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var prebuilt = builder.Build();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => WebSocketEndpointTestHost.StartAsync(_ => prebuilt));
        Assert.Contains("did not build while it ran", refused.Message);
    }

    [Fact]
    public async Task AClassThatIsNotAnEndpointIsRefusedWithAReason()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => WebSocketEndpointTestHost.StartAsync<Greeting>());
        Assert.Contains("Endpoints.Testing.Tests.Greeting is not a [WebSocketEndpoint] class", refused.Message);
    }
}

public sealed record Note(string Text);

[System.Text.Json.Serialization.JsonSerializable(typeof(Note))]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
