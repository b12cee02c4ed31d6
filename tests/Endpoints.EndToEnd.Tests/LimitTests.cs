using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Per-connection limits: message rate, and clients that read too slowly.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task TooManyMessagesCloseTheConnectionWith1008()
    {
        // The clock stands still, so the bucket never refills: exactly the burst gets through.
        await using var server = await TestServer.StartAsync(
            options: o => o.MessageRateLimit = new WebSocketMessageRateLimit { MessagesPerSecond = 1, Burst = 3, Policy = MessageRateLimitPolicy.Close },
            time: new FakeTimeProvider());
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/chatty"));
        for (var i = 0; i < 10; i++) await socket.SendTextAsync("m" + i);

        var echoes = new List<string>();
        while (true)
        {
            var (type, data) = await socket.ReceiveMessageAsync();
            if (type == WebSocketMessageType.Close) break;
            echoes.Add(System.Text.Encoding.UTF8.GetString(data));
        }
        Assert.Equal(["chatty:1:m0", "chatty:2:m1", "chatty:3:m2"], echoes);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, null, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("chatty").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.PolicyViolation, Assert.Single(server.Probe.ClosesOf("chatty")).Reason);
    }

    [Fact]
    public async Task WithTheDropPolicyMessagesOverTheLimitAreDroppedAndTheConnectionStays()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(
            options: o => o.MessageRateLimit = new WebSocketMessageRateLimit { MessagesPerSecond = 2, Burst = 2, Policy = MessageRateLimitPolicy.Drop },
            time: clock);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/counter/dropped"));
        for (var i = 0; i < 8; i++) await raw.SendTextAsync("burst" + i);
        // The pong comes after the server has handled (or dropped) all eight.
        var handled = await raw.PingAsync();
        Assert.Equal(["dropped:1:burst0", "dropped:2:burst1"], handled.Select(frame => frame.Text));

        clock.Advance(TimeSpan.FromSeconds(1)); // two more tokens
        await raw.SendTextAsync("later");
        await raw.SendTextAsync("later still");
        await raw.SendTextAsync("one too many");
        handled = await raw.PingAsync();
        Assert.Equal(["dropped:3:later", "dropped:4:later still"], handled.Select(frame => frame.Text));
    }

    [Fact]
    public async Task AClientThatNeverReadsHoldsTheSenderBackInsteadOfGrowingMemory()
    {
        await using var server = await TestServer.StartAsync(options: o => o.OutboxCapacity = 16);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/flood/never-reads"));

        // The sender fills the outbox and the socket buffers, then waits: the count stops growing.
        int Sent() => server.Probe.Counters.GetValueOrDefault("never-reads");
        await Eventually.WaitUntilAsync(() => Sent() > 16, "the first sends");
        int before, after;
        do
        {
            before = Sent();
            await Task.Delay(500);
            after = Sent();
        }
        while (after != before && after < 5000);
        Assert.Equal(before, after);
        Assert.True(after < 1000, $"{after} messages of 16 KiB went out to a client that reads nothing: the outbox is not bounding memory");
    }

    [Fact]
    public async Task WithTheClosePolicyASlowConsumerIsClosed()
    {
        var clock = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(options: o =>
        {
            o.OutboxCapacity = 8;
            o.OutboxFullPolicy = OutboxFullPolicy.Close;
        }, time: clock);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/flood/slow"));

        // The full outbox closes the connection; the client reads nothing, so the close frame cannot even be written,
        // and the close deadline drops it.
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("slow").Count > 0, "the sender's failure");
        clock.Advance(TimeSpan.FromSeconds(5));
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("slow").Count > 0, "the slow consumer's OnClose");
        var close = Assert.Single(server.Probe.ClosesOf("slow"));
        Assert.Equal(WebSocketCloseReason.PolicyViolation, close.Reason);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.Status);
        Assert.Equal(["send failed: WebSocketException"], server.Probe.EventsOf("slow"));
    }
}
