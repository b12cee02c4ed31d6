using System.Net;
using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Endpoints.TestLibrary;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Endpoints.EndToEnd.Tests;

public sealed class EchoAndMappingTests
{
    [Fact]
    public async Task TextAndBinaryAreEchoed()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));

        await socket.SendTextAsync("héllo wörld ✓");
        Assert.Equal("héllo wörld ✓", await socket.ReceiveTextAsync());

        var payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, data) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload, data);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task TextTakenAsUtf8BytesGoesBackAsTextAndBytesThatAreNotUtf8AreRefusedToTheSender()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo-utf8"));

        await socket.SendTextAsync("κόσμε 😀");
        var (type, data) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("κόσμε 😀", Encoding.UTF8.GetString(data));

        await socket.SendTextAsync("send invalid");
        Assert.Equal("refused: not UTF-8", await socket.ReceiveTextAsync());
        // The refusal was the sender's exception: the connection goes on.
        await socket.SendTextAsync("still here");
        Assert.Equal("still here", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task FragmentedMessagesArriveAssembled()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));

        // A text message split inside a multi-byte character, and a large binary message in many frames.
        var text = Encoding.UTF8.GetBytes("fragments: ✓✓✓ done");
        await socket.SendAsync(text.AsMemory(0, 13), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync(text.AsMemory(13), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("fragments: ✓✓✓ done", await socket.ReceiveTextAsync());

        var big = new byte[200_000];
        new Random(7).NextBytes(big);
        for (var offset = 0; offset < big.Length; offset += 7_000)
        {
            var length = Math.Min(7_000, big.Length - offset);
            await socket.SendAsync(big.AsMemory(offset, length), WebSocketMessageType.Binary, offset + length == big.Length, CancellationToken.None);
        }
        var (_, data) = await socket.ReceiveMessageAsync();
        Assert.Equal(big, data);
    }

    [Fact]
    public async Task NonWebSocketRequestGets400()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpBase };

        var response = await http.GetAsync("/echo");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("only accepts WebSocket requests", await response.Content.ReadAsStringAsync());

        // Other methods do not match the endpoint at all.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/echo", new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task EndpointsOfAReferencedProjectAreMappedByTheAppsMapCall()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/library/ping"));
        await socket.SendTextAsync("ping");
        Assert.Equal("pong", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task MapWebSocketEndpointMapsJustOneEndpoint()
    {
        await using var server = await TestServer.StartAsync(map: app =>
        {
            app.MapWebSocketEndpoint<EchoEndpoint>();
            app.MapWebSocketEndpoint<PingEndpoint>();
        });

        using var echo = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
        await echo.SendTextAsync("one");
        Assert.Equal("one", await echo.ReceiveTextAsync());
        using var ping = await WebSocketClient.ConnectAsync(server.WebSocketUri("/library/ping"));
        await ping.SendTextAsync("ping");
        Assert.Equal("pong", await ping.ReceiveTextAsync());

        using var http = new HttpClient { BaseAddress = server.HttpBase };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/counter/x")).StatusCode);
    }

    [Fact]
    public void MapWebSocketEndpointRejectsAClassThatIsNotAnEndpoint()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapWebSocketEndpoint<Probe>());
        Assert.Contains("is not a [WebSocketEndpoint] class", error.Message);
    }

    [Fact]
    public async Task ConventionsOnTheReturnedBuilderApplyToEveryEndpoint()
    {
        var seen = new List<string>();
        await using var server = await TestServer.StartAsync(map: app =>
        {
            IEndpointConventionBuilder group = app.MapWebSocketEndpoints();
            group.Add(endpoint => seen.Add(endpoint.DisplayName!));
        });
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
        Assert.Contains("WebSocket Endpoints.EndToEnd.Tests.TestEndpoints.EchoEndpoint", seen);
        Assert.Contains("WebSocket Endpoints.TestLibrary.PingEndpoint", seen);
        Assert.All(seen, name => Assert.StartsWith("WebSocket ", name));
    }

    [Fact]
    public async Task WorksWithoutUseWebSocketsOrAddWebSocketEndpoints()
    {
        await using var server = await TestServer.StartAsync(addEndpointServices: false, map: app => app.MapWebSocketEndpoint<EchoEndpoint>());
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
        await socket.SendTextAsync("no setup needed");
        Assert.Equal("no setup needed", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task InvalidOptionsFailAtStartupSayingWhatIsWrong()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var server = await TestServer.StartAsync(options: o => o.MaxMessageSize = 0);
        });
        Assert.Contains("MaxMessageSize must be greater than zero", error.Message);
    }

    [Fact]
    public async Task WebSocketsOverHttp2ArriveAsConnectAndWork()
    {
        await using var server = await TestServer.StartAsync(protocols: HttpProtocols.Http2);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var timeout = new CancellationTokenSource(WebSocketClient.Timeout);
        await socket.ConnectAsync(server.WebSocketUri("/echo"), invoker, timeout.Token);

        await socket.SendTextAsync("over h2");
        Assert.Equal("over h2", await socket.ReceiveTextAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }
}
