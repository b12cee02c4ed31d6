using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using static Endpoints.EndToEnd.Tests.Infrastructure.RawWebSocketClient;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// The send path under cancellation and failure, read on the wire (review findings C1, C2, C4, C6, S1 and the
/// middleware contracts): a cancelled send never wedges the connection nor goes out later, a failed streamed send is
/// followed only by the close frame, and nothing follows the close frame.
/// </summary>
public sealed class SendPathTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AStreamedSendCancelledWhileWaitingItsTurnGivesTheTurnBackAndTheConnectionGoesOnAndEnds()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/turn"));
        await raw.SendTextAsync("stream-cancel");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("turn").Any(e => e.StartsWith("after", StringComparison.Ordinal)), "the send after the streams");

        Assert.Equal(["second stream cancelled", "after sent"], server.Probe.EventsOf("turn"));
        var first = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal((Binary, true, 10), (first!.Opcode, first.Fin, first.Payload.Length));
        Assert.Equal("after", (await raw.ReadFrameAsync().WaitAsync(Wait))!.Text);

        // The close handshake completes and the connection is released: OnClose, and out of the registry.
        await raw.SendCloseAsync(1000);
        var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Empty(before);
        Assert.Equal(1000, (int?)close?.CloseStatus);
        Assert.True(await raw.ServerEndedConnectionAsync(Wait));
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("turn").Any(e => e.StartsWith("OnClose", StringComparison.Ordinal)), "OnClose");
        var clients = server.Services.GetRequiredService<IWebSocketClients<SendPathEndpoint>>();
        await Eventually.WaitUntilAsync(async () => await clients.Presence.CountConnectionsAsync() == 0, "the registry to forget the connection");
    }

    [Fact]
    public async Task APingDuringAStreamedSendIsAnsweredBetweenItsFragments()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/slow"));
        await raw.SendTextAsync("slow-stream");
        var first = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal((Binary, false), (first!.Opcode, first.Fin));

        await raw.SendFrameAsync(RawWebSocketClient.Ping, "during"u8.ToArray());
        var frames = new List<RawFrame>();
        while (frames.Count == 0 || !frames[^1].Fin || frames[^1].Opcode == Pong) frames.Add((await raw.ReadFrameAsync().WaitAsync(Wait))!);
        var pong = frames.FindIndex(f => f.Opcode == Pong);
        Assert.True(pong >= 0 && pong < frames.Count - 1, "the pong comes before the message's last fragment: " + string.Join(",", frames.Select(f => $"{f.Opcode}/{f.Fin}")));
        Assert.Equal("during", frames[pong].Text);
    }

    [Fact]
    public async Task AStreamedSendWhoseWriterNeverReturnsCannotKeepTheConnectionAfterTheClientCloses()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/hang"));
        await raw.SendTextAsync("hang-stream");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("hang").Contains("stream holding"), "the stream to hold the connection");

        await raw.SendCloseAsync(1000);
        // The close frame cannot go out while the message is unfinished; the close deadline (3 s) drops the connection,
        // and that ends the writer, the connection and its registration.
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("hang").Any(e => e.StartsWith("OnClose", StringComparison.Ordinal)), "OnClose");
        // The drop wakes both the loop (OnClose) and the writer's token, on their own threads: either may record first.
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("hang").Contains("stream ended by the connection's end"), "the writer to end");
        var clients = server.Services.GetRequiredService<IWebSocketClients<SendPathEndpoint>>();
        await Eventually.WaitUntilAsync(async () => await clients.Presence.CountConnectionsAsync() == 0, "the registry to forget the connection");
    }

    [Fact]
    public async Task AnAwaitedSendCancelledWhileQueuedIsNeverWrittenLaterFromReusedMemory()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/queued"));
        await raw.SendTextAsync("fill");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("queued").Contains("fill started"), "the 16 MiB send to start");
        await Task.Delay(300);

        // A is echoed with a 300 ms timeout behind the 16 MiB the client is not reading: it is cancelled while queued.
        await raw.SendFrameAsync(Binary, Enumerable.Repeat((byte)'A', 1000).ToArray());
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("queued").Any(e => e.StartsWith("A ", StringComparison.Ordinal)), "A's outcome");
        Assert.Contains("A cancelled", server.Probe.EventsOf("queued"));
        // More messages: the receive buffers that held A are reused meanwhile.
        for (var i = 0; i < 20; i++) await raw.SendFrameAsync(Binary, Enumerable.Repeat((byte)'B', 1000).ToArray());
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("queued").Count(e => e == "B seen") == 20, "the B messages");

        var big = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal(16 * 1024 * 1024, big!.Payload.Length);
        await raw.SendCloseAsync(1000);
        var (after, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.True(after.Count == 0, $"nothing after the 16 MiB but the close; got {after.Count} frame(s), the first {after.FirstOrDefault()?.Payload.Length} bytes");
        Assert.Equal(1000, (int?)close?.CloseStatus);
    }

    [Fact]
    public async Task AStreamedSendThatFailsAfterAFragmentIsFollowedOnlyByTheCloseFrame()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/fails"));
        await raw.SendTextAsync("stream-fails-with-queued");

        var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.NotEmpty(before);
        Assert.All(before, frame => Assert.True(frame.Opcode is Binary or Continuation && !frame.Fin,
            $"only the unfinished message's fragments before the close, got opcode {frame.Opcode} fin {frame.Fin}"));
        Assert.Equal(1011, (int?)close?.CloseStatus);
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("fails").Contains("stream failed"), "the failure");
    }

    [Fact]
    public async Task ClientWebSocketSeesThe1011OfAStreamedSendThatFailedHalfWay()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Wait);
        await socket.ConnectAsync(server.WebSocketUri("/sendpath/client"), timeout.Token);
        await socket.SendAsync("stream-fails-with-queued"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);

        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, result.CloseStatus);
    }

    [Theory]
    [InlineData("close 1015", "close threw ArgumentOutOfRangeException")]
    [InlineData("close 999", "close threw ArgumentOutOfRangeException")]
    [InlineData("close 2000", "close threw ArgumentOutOfRangeException")]
    [InlineData("close 70000", "close threw ArgumentOutOfRangeException")]
    [InlineData("close 1006", "close threw ArgumentOutOfRangeException")]
    public async Task CloseAsyncRefusesAStatusACloseFrameMayNotCarry(string command, string outcome)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/code"));
        await raw.SendTextAsync(command);
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("code").Count > 0, "CloseAsync's outcome");
        Assert.Equal(outcome, server.Probe.EventsOf("code")[0]);
        // The connection is still open: a valid close afterwards goes out as asked.
        await raw.SendTextAsync("close 4000 bye");
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal((4000, "bye"), (close!.CloseStatus, close.Text));
    }

    [Fact]
    public async Task CloseAsyncRefusesADescriptionLongerThan123Bytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/long"));
        await raw.SendTextAsync("close 1000 " + new string('r', 124));
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("long").Count > 0, "CloseAsync's outcome");
        Assert.Equal("close threw ArgumentException", server.Probe.EventsOf("long")[0]);
        await raw.SendTextAsync("close 1000 " + new string('r', 123));
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal((1000, 123), (close!.CloseStatus, close.Text.Length));
    }

    [Fact]
    public async Task NoDataFrameFollowsTheCloseFrameWhileOtherThreadsAreSending()
    {
        await using var server = await TestServer.StartAsync();
        for (var round = 0; round < 10; round++)
        {
            await using var raw = await ConnectAsync(server.WebSocketUri($"/sendpath/race{round}"));
            await raw.SendTextAsync("race");
            var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
            Assert.Equal(1000, (int?)close?.CloseStatus);
            await raw.SendCloseAsync(1000);
            var next = await raw.ReadFrameAsync().WaitAsync(Wait);
            Assert.True(next is null, $"round {round}: a frame (opcode {next?.Opcode}) came after the close frame");
        }
    }

    [Fact]
    public async Task ARequestTimeoutPolicyDoesNotCutAnOpenConnectionAndTheRequestSeesAnAcceptedWebSocket()
    {
        await using var server = await TestServer.StartAsync(
            services: s => s.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy { Timeout = TimeSpan.FromMilliseconds(200) }),
            map: app =>
            {
                app.UseRequestTimeouts();
                app.MapWebSocketEndpoints();
            });
        await using var raw = await ConnectAsync(server.WebSocketUri("/sendpath/timeout"));
        await Task.Delay(600);
        await raw.SendTextAsync("request");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("timeout").Count > 0, "the request's state");
        Assert.Equal("aborted False, websocket True", server.Probe.EventsOf("timeout")[0]);
    }
}
