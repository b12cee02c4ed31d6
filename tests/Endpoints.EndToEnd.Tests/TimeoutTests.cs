using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Silent and idle peers are closed with reason TimedOut.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task APeerThatStopsAnsweringPingsIsDroppedAsTimedOut()
    {
        // Keep-alive pings and their timeout are the WebSocket implementation's own (ASP.NET Core's timer, not ours),
        // so this one test runs on the real clock, with short settings.
        await using var server = await TestServer.StartAsync(options: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
            o.KeepAliveTimeout = TimeSpan.FromMilliseconds(300);
        });
        // The raw client never reads, so it never answers the server's pings.
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/counter/silent-peer"));

        await Probe.WaitUntilAsync(() => server.Probe.ClosesOf("silent-peer").Count > 0, "OnClose of the silent peer");
        Assert.Equal(WebSocketCloseReason.TimedOut, Assert.Single(server.Probe.ClosesOf("silent-peer")).Reason);
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
        await Probe.WaitUntilAsync(() => server.Probe.ClosesOf("idle").Count > 0, "OnClose");
        var close = Assert.Single(server.Probe.ClosesOf("idle"));
        Assert.Equal(WebSocketCloseReason.TimedOut, close.Reason);
        Assert.Equal(["open", "close after 3"], server.Probe.EventsOf("idle").Take(2));
    }
}
