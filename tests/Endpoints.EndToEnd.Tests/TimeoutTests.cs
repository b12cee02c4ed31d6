using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Silent and idle peers are closed with reason TimedOut.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task APeerThatStopsAnsweringPingsIsDroppedAsTimedOut()
    {
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
        await using var server = await TestServer.StartAsync(options: o => o.IdleTimeout = TimeSpan.FromMilliseconds(1500));
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/idle"));
        for (var i = 1; i <= 3; i++)
        {
            // Messages keep it open (each well inside the timeout, with room for a busy machine)...
            await Task.Delay(300);
            await socket.SendTextAsync("still here");
            Assert.Equal($"idle:{i}:still here", await socket.ReceiveTextAsync());
        }
        // ...silence closes it.
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await socket.ReceiveCloseAsync());
        Assert.Equal("Idle timeout", socket.CloseStatusDescription);
        await Probe.WaitUntilAsync(() => server.Probe.ClosesOf("idle").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.TimedOut, Assert.Single(server.Probe.ClosesOf("idle")).Reason);
    }
}
