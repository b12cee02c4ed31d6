using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using static Endpoints.EndToEnd.Tests.Infrastructure.RawWebSocketClient;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Messages read while they arrive (OnBinary(Stream), OnText(TextReader)) and sent as they are produced.</summary>
public sealed class StreamingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AnUploadFarOverMaxMessageSizeIsReadAsItArrives()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/stream/upload"));
        // 24 MiB in 1 MiB fragments to an endpoint whose MaxMessageSize is 1 KiB.
        var chunk = RandomNumberGenerator.GetBytes(1024 * 1024);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < 24; i++)
        {
            hash.AppendData(chunk);
            await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: i == 23, CancellationToken.None);
        }
        Assert.Equal($"binary {24 * 1024 * 1024} {Convert.ToHexString(hash.GetHashAndReset())}", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task ATextReaderGetsEveryCharacterAcrossFragmentsThatSplitThem()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/stream/text"));
        var text = "naïve café 😀 first line\n" + string.Concat(Enumerable.Repeat("κόσμε ", 5000));
        var bytes = Encoding.UTF8.GetBytes(text);
        // Fragments of 7 bytes: many characters are split across two of them.
        for (var offset = 0; offset < bytes.Length; offset += 7)
        {
            var length = Math.Min(7, bytes.Length - offset);
            await raw.SendFrameAsync(offset == 0 ? Text : Continuation, bytes.AsMemory(offset, length), fin: offset + length == bytes.Length);
        }
        var answer = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal($"text {text.Length} naïve café 😀 first ", answer!.Text);
    }

    [Fact]
    public async Task ACallbackThatStopsReadingEarlyHasTheRestSkippedAndTheNextMessageIsHandled()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/stream/peek"));
        var big = new byte[3 * 1024 * 1024];
        for (var i = 0; i < 10; i++) big[i] = (byte)(i + 1);
        await socket.SendAsync(big, WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.SendTextAsync("after");

        Assert.Equal("peeked 0102030405060708090A", await socket.ReceiveTextAsync());
        Assert.Equal("text 5 after", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AStreamedMessageOverItsOwnLimitClosesWith1009()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/stream-limited"));
        await socket.SendAsync(new byte[100_000], WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("read 100000", await socket.ReceiveTextAsync());

        await socket.SendAsync(new byte[60_000], WebSocketMessageType.Binary, false, CancellationToken.None);
        await socket.SendAsync(new byte[60_000], WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task WholeAndStreamedCallbacksCoexistOnOneEndpoint()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/mixed"));
        await socket.SendTextAsync("hello");
        await socket.SendAsync(new byte[2_000_000], WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.SendTextAsync("again");
        Assert.Equal("whole hello", await socket.ReceiveTextAsync());
        Assert.Equal("streamed 2000000", await socket.ReceiveTextAsync());
        Assert.Equal("whole again", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AStreamedDownloadArrivesAsOneMessageInFragments()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/stream/download"));
        await raw.SendTextAsync("download 5000000");

        var (frames, message) = await ReadMessageAsync(raw);
        Assert.True(frames > 1, "a streamed message goes out in fragments as it is written");
        AssertPattern(message, 5_000_000);
    }

    [Fact]
    public async Task SendsDuringAStreamedMessageGoOutAfterItInOrder()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/stream/chatter"));
        await raw.SendTextAsync("download-and-chatter 3000000");

        var (_, message) = await ReadMessageAsync(raw);
        AssertPattern(message, 3_000_000);
        var after = new[] { (await raw.ReadFrameAsync().WaitAsync(Wait))!, (await raw.ReadFrameAsync().WaitAsync(Wait))! };
        Assert.All(after, frame => Assert.Equal((Text, true), (frame.Opcode, frame.Fin)));
        Assert.Equal(["queued during the stream", "sent during the stream"], after.Select(f => f.Text).Order());
        Assert.Contains("queued", server.Probe.EventsOf("chatter"));
    }

    [Fact]
    public async Task AnExceptionMidStreamClosesWith1011AfterTheHalfSentMessage()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/stream/fails"));
        await raw.SendTextAsync("download-fails");

        var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.NotEmpty(before);
        Assert.All(before, frame => Assert.False(frame.Fin, "the half-sent message is never finished"));
        Assert.Equal((ushort)1011, close?.CloseStatus);
        await raw.SendCloseAsync(1011);
        await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("fails").Count > 0, "OnClose");
        Assert.Contains(server.Probe.Errors, e => e.Key == "fails" && e.Error.Message == "the export failed half-way");
    }

    private static async Task<(int Frames, byte[] Message)> ReadMessageAsync(RawWebSocketClient raw)
    {
        var message = new MemoryStream();
        var frames = 0;
        while (true)
        {
            var frame = await raw.ReadFrameAsync().WaitAsync(Wait) ?? throw new IOException("The server ended the connection.");
            Assert.Equal(frames == 0 ? Binary : Continuation, frame.Opcode);
            frames++;
            message.Write(frame.Payload);
            if (frame.Fin) return (frames, message.ToArray());
        }
    }

    private static void AssertPattern(byte[] message, int length)
    {
        Assert.Equal(length, message.Length);
        for (var i = 0; i < message.Length; i++)
        {
            if (message[i] != StreamingEndpoint.PatternAt(i)) Assert.Fail($"byte {i} is {message[i]}, expected {StreamingEndpoint.PatternAt(i)}");
        }
    }
}
