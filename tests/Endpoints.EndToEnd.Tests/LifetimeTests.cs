using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Microsoft.Extensions.Time.Testing;
using static Endpoints.EndToEnd.Tests.Infrastructure.RawWebSocketClient;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// A connection's timers and what outlives it (review S5, S6, S8): a keep-alive ping that could not be sent waits for
/// no pong, a slow upload is not idle, and a connection kept past its end still tells who it was.
/// </summary>
public sealed class LifetimeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AKeepAlivePingDroppedForAFullOutboxDoesNotTimeTheClientOut()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(5);
            o.OutboxCapacity = 1;
        }, time: clock);
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/alive"));

        // The client is busy: a 16 MiB send it has not read holds the connection, and one message fills the outbox.
        await raw.SendTextAsync("fill");
        await raw.SendTextAsync("queue one");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("alive").Contains("queued True"), "the outbox to fill");

        clock.Advance(TimeSpan.FromSeconds(10)); // the ping finds the outbox full and is dropped...
        clock.Advance(TimeSpan.FromSeconds(6)); // ...so no pong is overdue
        Assert.Equal(16 * 1024 * 1024, (await raw.ReadFrameAsync().WaitAsync(Wait))!.Payload.Length);
        Assert.Equal("queued", (await raw.ReadFrameAsync().WaitAsync(Wait))!.Text);
        await raw.SendTextAsync("close 4000 alive");
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal(4000, (int?)close?.CloseStatus);
    }

    [Fact]
    public async Task AStreamedUploadWhoseDataKeepsComingIsNotClosedAsIdle()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o => o.IdleTimeout = TimeSpan.FromSeconds(10), time: clock);
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));

        var parts = new[] { "a slow ", "upload ", "still ", "arriving" };
        for (var i = 0; i < parts.Length; i++)
        {
            await raw.SendFrameAsync(i == 0 ? Text : Continuation, System.Text.Encoding.UTF8.GetBytes(parts[i]), fin: i == parts.Length - 1);
            if (i == parts.Length - 1) break;
            // A ping after each fragment: its pong says the server has read the fragment; then 6 s pass (60% of the timeout).
            Assert.Empty(await raw.PingAsync().WaitAsync(Wait));
            clock.Advance(TimeSpan.FromSeconds(6));
        }
        Assert.Equal("a slow upload still arriving", (await raw.ReadFrameAsync().WaitAsync(Wait))!.Text);

        // A message that starts and then stalls is idle: its data came in the last period, none in the next.
        await raw.SendFrameAsync(Text, "stalled"u8.ToArray(), fin: false);
        Assert.Empty(await raw.PingAsync().WaitAsync(Wait));
        clock.Advance(TimeSpan.FromSeconds(11));
        clock.Advance(TimeSpan.FromSeconds(11));
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal((1000, "Idle timeout"), ((int?)close?.CloseStatus, close?.Text));
    }

    [Fact]
    public async Task AConnectionKeptPastItsEndStillTellsItsUser()
    {
        await using var server = await TestServer.StartAsync();
        using (var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/sendpath/kept?access_token=kim")))
        {
            await socket.SendTextAsync("keep");
            await Eventually.WaitUntilAsync(() => SendPathEndpoint.Kept.ContainsKey("kept"), "the endpoint to keep the connection");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("kept").Any(e => e.StartsWith("OnClose", StringComparison.Ordinal)), "OnClose");
        var kept = SendPathEndpoint.Kept["kept"];
        await Eventually.WaitUntilAsync(() => kept.Closed.IsCancellationRequested, "the connection to end");
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/sendpath/kept"), "the request to end and its context to go back to the server");

        Assert.Equal("kim", kept.User.Identity?.Name);
    }
}
