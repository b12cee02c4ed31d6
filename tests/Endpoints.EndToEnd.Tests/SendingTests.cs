using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>The transmit channel: concurrent sends, server-initiated closes.</summary>
public sealed class SendingTests
{
    [Fact]
    public async Task ConcurrentSendsFromManyThreadsArriveIntactWholeAndInPerThreadOrder()
    {
        const int threads = 8, perThread = 250;
        await using var server = await TestServer.StartAsync(options: o => o.OutboxCapacity = 16);
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/blast"));
        await socket.SendTextAsync($"{threads} {perThread}");

        var next = new int[threads];
        var received = 0;
        while (true)
        {
            var message = await socket.ReceiveTextAsync();
            if (message == "done") break;
            var parts = message.Split(':');
            var thread = int.Parse(parts[0]);
            var index = int.Parse(parts[1]);
            Assert.Equal(next[thread], index);
            Assert.Equal(new string((char)('a' + thread % 26), 100 + index % 50), parts[2]);
            next[thread]++;
            received++;
        }
        Assert.Equal(threads * perThread, received);
    }

    [Fact]
    public async Task ServerInitiatedCloseSendsItsStatusAfterQueuedMessages()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/closing/by-server"));
        await socket.SendTextAsync("close");

        Assert.Equal("closing", await socket.ReceiveTextAsync());
        Assert.Equal((WebSocketCloseStatus)4000, await socket.ReceiveCloseAsync());
        Assert.Equal("bye now", socket.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("by-server").Count > 0, "OnClose");
        Assert.Equal(new WebSocketCloseInfo((WebSocketCloseStatus)4000, "bye now", WebSocketCloseReason.ServerClosed), Assert.Single(server.Probe.ClosesOf("by-server")));
        Assert.Equal(
            ["closed token cancelled: True", "TrySendText after close: False", "SendTextAsync after close: InvalidState"],
            server.Probe.EventsOf("by-server"));
    }

    [Fact]
    public async Task CompletingTheOutboxClosesNormallyAfterTheLastMessage()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/closing/outbox"));
        await socket.SendTextAsync("complete");

        Assert.Equal("last words", await socket.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await socket.ReceiveCloseAsync());
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("outbox").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.ServerClosed, Assert.Single(server.Probe.ClosesOf("outbox")).Reason);
    }

    [Fact]
    public async Task AClientThatNeverAnswersTheCloseIsDroppedAfterTheCloseTimeout()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o => o.CloseTimeout = TimeSpan.FromSeconds(5), time: clock);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/closing/silent"));
        await raw.SendTextAsync("close");
        var (_, close) = await raw.ReadUntilCloseAsync();
        Assert.Equal(4000, close!.CloseStatus);
        // No close frame back: the server waits for it until the close timeout...
        Assert.False(await raw.ServerEndedConnectionAsync(TimeSpan.FromMilliseconds(200)));
        clock.Advance(TimeSpan.FromSeconds(5));
        // ...then gives up and ends the TCP connection.
        Assert.True(await raw.ServerEndedConnectionAsync(TimeSpan.FromSeconds(15)));
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("silent").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.ServerClosed, Assert.Single(server.Probe.ClosesOf("silent")).Reason);
    }

    [Fact]
    public async Task HostShutdownLetsARunningCallbackFinishBeforeClosingWith1001()
    {
        var server = await TestServer.StartAsync();
        var probe = server.Probe;
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/closing/draining"));
        await socket.SendTextAsync("slow");
        await Eventually.WaitUntilAsync(() => probe.EventsOf("draining").Contains("slow callback started"), "the slow callback");

        var stopping = server.DisposeAsync().AsTask();
        Assert.Equal("finished", await socket.ReceiveTextAsync()); // not cut off: its last send went out
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await socket.ReceiveCloseAsync());
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping;
        Assert.Equal(WebSocketCloseReason.ServerShutdown, Assert.Single(probe.ClosesOf("draining")).Reason);
    }

    [Fact]
    public async Task HostShutdownClosesOpenConnectionsWith1001()
    {
        var server = await TestServer.StartAsync();
        var probe = server.Probe;
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/shutdown"));
        await socket.SendTextAsync("hi");
        Assert.Equal("shutdown:1:hi", await socket.ReceiveTextAsync());

        var stopping = server.DisposeAsync().AsTask();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await socket.ReceiveCloseAsync());
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping;
        Assert.Equal(WebSocketCloseReason.ServerShutdown, Assert.Single(probe.ClosesOf("shutdown")).Reason);
    }
}
