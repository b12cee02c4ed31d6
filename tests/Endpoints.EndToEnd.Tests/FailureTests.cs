using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Bad frames, oversize messages and throwing handlers close that one connection with the right code.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task OversizeMessageClosesWith1009()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/too-big"));

        await socket.SendTextAsync("fits");
        Assert.Equal("fits", await socket.ReceiveTextAsync());
        await socket.SendAsync(new byte[1025], WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ReceiveCloseAsync());
        await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("too-big").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.MessageTooBig, Assert.Single(server.Probe.ClosesOf("too-big")).Reason);
    }

    [Fact]
    public async Task OversizeFragmentedMessageClosesWith1009EvenWhileTheClientKeepsSending()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/too-big-raw"));

        await raw.SendTextAsync("before");
        // 40 fragments of 100 bytes: the limit (1024) is crossed on the 11th, the rest keep coming.
        for (var i = 0; i < 40; i++)
        {
            await raw.SendFrameAsync(i == 0 ? RawWebSocketClient.Binary : RawWebSocketClient.Continuation, new byte[100], fin: i == 39);
        }
        var (before, close) = await raw.ReadUntilCloseAsync();
        Assert.Equal("before", Assert.Single(before).Text);
        Assert.NotNull(close);
        Assert.Equal(1009, close.CloseStatus);
    }

    [Fact]
    public async Task InvalidUtf8ClosesWith1007()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/utf8"));
        await socket.SendAsync(new byte[] { 0x68, 0x69, 0xC3, 0x28 }, WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await socket.ReceiveCloseAsync());
        await socket.CloseOutputAsync(WebSocketCloseStatus.InvalidPayloadData, null, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("utf8").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.ProtocolError, Assert.Single(server.Probe.ClosesOf("utf8")).Reason);
    }

    [Fact]
    public async Task TextWhoseLastFragmentIsEmptyAndEndsMidCharacterClosesWith1007AfterEarlierEchoes()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/utf8-raw"));

        await raw.SendTextAsync("echo me first");
        // "ab" then the first two bytes of a three-byte character, then an empty final fragment.
        await raw.SendFrameAsync(RawWebSocketClient.Text, new byte[] { 0x61, 0x62, 0xE2, 0x82 }, fin: false);
        await raw.SendFrameAsync(RawWebSocketClient.Continuation, Array.Empty<byte>(), fin: true);

        var (before, close) = await raw.ReadUntilCloseAsync();
        Assert.Equal("echo me first", Assert.Single(before).Text);
        Assert.NotNull(close);
        Assert.Equal(1007, close.CloseStatus);
        await raw.SendCloseAsync(1007);
        Assert.True(await raw.ServerEndedConnectionAsync(TimeSpan.FromSeconds(10)), "The server ends the TCP connection after the handshake.");
    }

    [Fact]
    public async Task ProtocolViolationGetsACloseFrameBeforeTheConnectionEnds()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/protocol"));

        await raw.SendTextAsync("still fine");
        await raw.SendFrameAsync(RawWebSocketClient.Text, Encoding.UTF8.GetBytes("unmasked"), mask: false);

        var (before, close) = await raw.ReadUntilCloseAsync();
        Assert.Equal("still fine", Assert.Single(before).Text);
        Assert.NotNull(close);
        Assert.Equal(1002, close.CloseStatus);
        // The server reads on (skipping the bad frame) until the client answers its close, then ends the connection.
        await raw.SendCloseAsync(1002);
        Assert.True(await raw.ServerEndedConnectionAsync(TimeSpan.FromSeconds(10)));
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("protocol").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.ProtocolError, Assert.Single(server.Probe.ClosesOf("protocol")).Reason);
    }

    [Fact]
    public async Task ThrowingHandlerGetsOnErrorCloses1011AndTheServerGoesOn()
    {
        await using var server = await TestServer.StartAsync();
        await using (var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/throws")))
        {
            await raw.SendTextAsync("one");
            await raw.SendTextAsync("boom");
            await raw.SendTextAsync("never handled");
            var (before, close) = await raw.ReadUntilCloseAsync();
            Assert.Equal(["one"], before.Select(f => f.Text));
            Assert.NotNull(close);
            Assert.Equal(1011, close.CloseStatus);
        }

        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("throws").Count > 0, "OnClose");
        var error = Assert.Single(server.Probe.Errors).Error;
        Assert.Equal("boom from throws", error.Message);
        Assert.Equal(WebSocketCloseReason.Error, Assert.Single(server.Probe.ClosesOf("throws")).Reason);

        using var next = await WebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/next"));
        await next.SendTextAsync("still serving");
        Assert.Equal("still serving", await next.ReceiveTextAsync());
    }

    [Fact]
    public async Task ClientDisconnectingWithoutACloseFrameGetsOnCloseAbortedExactlyOnce()
    {
        await using var server = await TestServer.StartAsync();
        var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/counter/vanishing"));
        await raw.SendTextAsync("hello");
        Assert.Equal("vanishing:1:hello", (await raw.ReadFrameAsync())!.Text);
        raw.AbortWithoutClose();

        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("vanishing").Count > 0, "OnClose");
        // A second OnClose could only come while the connection's request runs.
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/counter/vanishing"), "the connection's request to end");
        var close = Assert.Single(server.Probe.ClosesOf("vanishing"));
        Assert.Equal(WebSocketCloseReason.Aborted, close.Reason);
        Assert.Null(close.Status);
    }

    [Fact]
    public async Task AMessageTypeTheEndpointHasNoCallbackForClosesWith1003()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/no-binary"));
        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await socket.ReceiveCloseAsync());
    }
}
