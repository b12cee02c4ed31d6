using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Silent and idle peers are closed with reason TimedOut.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task APeerThatAnswersPingsStaysAndOneThatStopsIsDroppedAsTimedOut()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(30);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(10);
        }, time: clock);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/counter/pinged"));
        await raw.SendTextAsync("hello");
        Assert.Equal("pinged:1:hello", (await raw.ReadFrameAsync())!.Text); // the connection runs: its timer is set

        clock.Advance(TimeSpan.FromSeconds(30));
        var ping = (await raw.ReadFrameAsync())!;
        Assert.Equal(RawWebSocketClient.Ping, ping.Opcode);
        await raw.SendFrameAsync(RawWebSocketClient.Pong, ping.Payload);
        // The pong is read before this message, so the timeout that follows finds the ping answered.
        await raw.SendTextAsync("answered");
        Assert.Equal("pinged:2:answered", (await raw.ReadFrameAsync())!.Text);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(server.Probe.ClosesOf("pinged"));

        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(RawWebSocketClient.Ping, (await raw.ReadFrameAsync())!.Opcode);
        clock.Advance(TimeSpan.FromSeconds(10)); // unanswered
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("pinged").Count > 0, "OnClose of the silent peer");
        Assert.Equal(WebSocketCloseReason.TimedOut, Assert.Single(server.Probe.ClosesOf("pinged")).Reason);
    }

    [Fact]
    public async Task WithoutATimeoutKeepAliveIsAnUnsolicitedPong()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o => o.KeepAliveInterval = TimeSpan.FromSeconds(30), time: clock);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/counter/ponged"));
        await raw.SendTextAsync("hello");
        Assert.Equal("ponged:1:hello", (await raw.ReadFrameAsync())!.Text);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(RawWebSocketClient.Pong, (await raw.ReadFrameAsync())!.Opcode);
        clock.Advance(TimeSpan.FromMinutes(10));
        await raw.SendTextAsync("still here");
        // Ten more intervals went by: their pongs come first, then the answer.
        RawFrame frame;
        while ((frame = (await raw.ReadFrameAsync())!).Opcode == RawWebSocketClient.Pong) { }
        Assert.Equal("ponged:2:still here", frame.Text);
    }

    [Fact]
    public async Task AConnectionWithoutMessagesForTheIdleTimeoutIsClosed()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o => o.IdleTimeout = TimeSpan.FromSeconds(10), time: clock);
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/idle"));
        for (var i = 1; i <= 3; i++)
        {
            // Each message restarts the idle time (the echo means the server has handled it)...
            await socket.SendTextAsync("still here");
            Assert.Equal($"idle:{i}:still here", await socket.ReceiveTextAsync());
            clock.Advance(TimeSpan.FromSeconds(9));
        }
        // ...and silence past the timeout closes the connection.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await socket.ReceiveCloseAsync());
        Assert.Equal("Idle timeout", socket.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("idle").Count > 0, "OnClose");
        var close = Assert.Single(server.Probe.ClosesOf("idle"));
        Assert.Equal(WebSocketCloseReason.TimedOut, close.Reason);
        Assert.Equal(["open", "close after 3"], server.Probe.EventsOf("idle").Take(2));
    }
}
