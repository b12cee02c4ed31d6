using System.Net;
using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace Endpoints.EndToEnd.Tests;

/// <summary>The upgrade request passes the ASP.NET Core pipeline: refusals happen before the upgrade and OnOpen.</summary>
public sealed class PipelineTests
{
    [Fact]
    public async Task AnUnauthenticatedUpgradeGets401AndOnOpenIsNeverCalled()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(server.WebSocketUri("/admin/anonymous")));
        Assert.Empty(server.Probe.EventsOf("anonymous"));
    }

    [Fact]
    public async Task AForbiddenUpgradeGets403AndOnOpenIsNeverCalled()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(server.WebSocketUri("/admin/guest?access_token=guest:viewer")));
        Assert.Empty(server.Probe.EventsOf("guest"));
    }

    [Fact]
    public async Task ABearerTokenInTheQueryStringAsBrowsersSendItIsAccepted()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/admin/ann?access_token=ann:admin"));
        Assert.Equal("hello ann", await socket.ReceiveTextAsync());

        using var withHeader = new ClientWebSocket();
        withHeader.Options.SetRequestHeader("Authorization", "Bearer bob:admin,ops");
        await withHeader.ConnectAsync(server.WebSocketUri("/admin/bob"), CancellationToken.None);
        Assert.Equal("hello bob", await withHeader.ReceiveTextAsync());
        Assert.Equal(["OnOpen"], server.Probe.EventsOf("ann"));
    }

    [Fact]
    public async Task ARateLimitedUpgradeGets429()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await WebSocketClient.ConnectAsync(server.WebSocketUri("/limited"));
        Assert.Equal("in", await first.ReceiveTextAsync());
        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusedStatusAsync(server.WebSocketUri("/limited")));
    }

    [Fact]
    public async Task RequireAuthorizationOnTheReturnedBuilderAppliesToEveryEndpoint()
    {
        await using var server = await TestServer.StartAsync(map: app => app.MapWebSocketEndpoints().RequireAuthorization());
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(server.WebSocketUri("/echo")));
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(server.WebSocketUri("/library/ping")));

        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo?access_token=cy"));
        await socket.SendTextAsync("authorized");
        Assert.Equal("authorized", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task ABrowserUpgradeFromAnotherOriginGets403ByDefault()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(server.WebSocketUri("/echo"), s => s.Options.SetRequestHeader("Origin", "https://evil.example")));

        // The server's own origin, and clients that send no Origin (not browsers), are allowed.
        using var sameOrigin = new ClientWebSocket();
        sameOrigin.Options.SetRequestHeader("Origin", $"http://{server.HttpBase.Authority}");
        await sameOrigin.ConnectAsync(server.WebSocketUri("/echo"), CancellationToken.None);
        using var noOrigin = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
    }

    [Fact]
    public async Task AllowedOriginsComeFromOptionsOrFromTheEndpoint()
    {
        await using var server = await TestServer.StartAsync(options: o => o.AllowedOrigins.Add("https://app.example"));
        using var fromApp = new ClientWebSocket();
        fromApp.Options.SetRequestHeader("Origin", "https://app.example");
        await fromApp.ConnectAsync(server.WebSocketUri("/echo"), CancellationToken.None);

        // The endpoint's own list replaces the options' list.
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(server.WebSocketUri("/partner"), s => s.Options.SetRequestHeader("Origin", "https://app.example")));
        using var fromPartner = new ClientWebSocket();
        fromPartner.Options.SetRequestHeader("Origin", "https://partner.example");
        await fromPartner.ConnectAsync(server.WebSocketUri("/partner"), CancellationToken.None);
        Assert.Equal("partner in", await fromPartner.ReceiveTextAsync());
    }

    [Fact]
    public async Task TheFirstSubprotocolTheClientOffersThatTheEndpointSpeaksIsChosen()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chat.v3");
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("chat.v2");
        await socket.ConnectAsync(server.WebSocketUri("/proto"), CancellationToken.None);
        Assert.Equal("chat.v1", socket.SubProtocol);
        Assert.Equal("speaking chat.v1", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AClientOfferingNoneOfTheEndpointsSubprotocolsGets400()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest, await RefusedStatusAsync(server.WebSocketUri("/proto"), s => s.Options.AddSubProtocol("mqtt")));
        Assert.Equal(HttpStatusCode.BadRequest, await RefusedStatusAsync(server.WebSocketUri("/proto")));
    }

    [Fact]
    public async Task CompressionIsNegotiatedWhereEnabledAndMessagesArriveIntact()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await socket.ConnectAsync(server.WebSocketUri("/compressed"), CancellationToken.None);
        Assert.Contains("permessage-deflate", string.Join(",", socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));

        var text = string.Concat(Enumerable.Repeat("compress me, I repeat myself. ", 2000));
        await socket.SendTextAsync(text);
        Assert.Equal(text, await socket.ReceiveTextAsync());

        using var plain = new ClientWebSocket();
        plain.Options.CollectHttpResponseDetails = true;
        plain.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await plain.ConnectAsync(server.WebSocketUri("/echo"), CancellationToken.None);
        Assert.False(plain.HttpResponseHeaders!.ContainsKey("Sec-WebSocket-Extensions"), "compression is off unless the endpoint enables it");
    }

    [Fact]
    public async Task QueryAndHeaderValuesAreBoundAndBadOnesAre400()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Tenant", "acme");
        await socket.ConnectAsync(server.WebSocketUri("/request-values?count=3"), CancellationToken.None);
        Assert.Equal("count=3 mode=none tenant=acme", await socket.ReceiveTextAsync());

        using var http = new HttpClient { BaseAddress = server.HttpBase };
        Assert.Contains("The query value 'count' is missing.", await UpgradeBodyAsync(http, "/request-values", tenant: "acme"));
        Assert.Contains("The query value 'count' is not a valid int.", await UpgradeBodyAsync(http, "/request-values?count=lots", tenant: "acme"));
        Assert.Contains("The header 'X-Tenant' is missing.", await UpgradeBodyAsync(http, "/request-values?count=1", tenant: null));
    }

    private static async Task<string> UpgradeBodyAsync(HttpClient http, string path, string? tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        if (tenant is not null) request.Headers.Add("X-Tenant", tenant);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri, Action<ClientWebSocket>? configure = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }
}
