using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Per-connection limits: message rate, and clients that read too slowly.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task TooManyMessagesCloseTheConnectionWith1008()
    {
        await using var server = await TestServer.StartAsync(options: o => o.MessageRateLimit = new WebSocketMessageRateLimit { MessagesPerSecond = 1, Burst = 3, Policy = MessageRateLimitPolicy.Close });
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/chatty"));
        for (var i = 0; i < 10; i++) await socket.SendTextAsync("m" + i);

        var echoes = 0;
        while (true)
        {
            var (type, _) = await socket.ReceiveMessageAsync();
            if (type == WebSocketMessageType.Close) break;
            echoes++;
        }
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.InRange(echoes, 3, 5); // the burst and a refill or two while sending; never all ten
        await Probe.WaitUntilAsync(() => server.Probe.ClosesOf("chatty").Count > 0, "OnClose");
        Assert.Equal(WebSocketCloseReason.PolicyViolation, Assert.Single(server.Probe.ClosesOf("chatty")).Reason);
    }

    [Fact]
    public async Task WithTheDropPolicyMessagesOverTheLimitAreDroppedAndTheConnectionStays()
    {
        await using var server = await TestServer.StartAsync(options: o => o.MessageRateLimit = new WebSocketMessageRateLimit { MessagesPerSecond = 2, Burst = 2, Policy = MessageRateLimitPolicy.Drop });
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/dropped"));
        for (var i = 0; i < 8; i++) await socket.SendTextAsync("burst");
        await Task.Delay(1500); // the bucket refills
        await socket.SendTextAsync("later");

        var handled = new List<string>();
        while (true)
        {
            var message = await socket.ReceiveTextAsync();
            handled.Add(message);
            if (message.EndsWith(":later", StringComparison.Ordinal)) break;
        }
        Assert.InRange(handled.Count - 1, 2, 4); // the burst (and a refill or two) of the first eight; the rest were dropped
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task AClientThatNeverReadsHoldsTheSenderBackInsteadOfGrowingMemory()
    {
        await using var server = await TestServer.StartAsync(options: o => o.OutboxCapacity = 16);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/flood/never-reads"));

        // The sender fills the outbox and the socket buffers, then waits: the count stops growing.
        int Sent() => server.Probe.Counters.GetValueOrDefault("never-reads");
        await Probe.WaitUntilAsync(() => Sent() > 16, "the first sends");
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
        await using var server = await TestServer.StartAsync(options: o =>
        {
            o.OutboxCapacity = 8;
            o.OutboxFullPolicy = OutboxFullPolicy.Close;
            o.CloseTimeout = TimeSpan.FromMilliseconds(500);
        });
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/flood/slow"));

        await Probe.WaitUntilAsync(() => server.Probe.ClosesOf("slow").Count > 0, "the slow consumer's OnClose");
        var close = Assert.Single(server.Probe.ClosesOf("slow"));
        Assert.Equal(WebSocketCloseReason.PolicyViolation, close.Reason);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.Status);
        await Probe.WaitUntilAsync(() => server.Probe.EventsOf("slow").Count > 0, "the sender's failure");
        Assert.Equal(["send failed: WebSocketException"], server.Probe.EventsOf("slow"));
    }
}
