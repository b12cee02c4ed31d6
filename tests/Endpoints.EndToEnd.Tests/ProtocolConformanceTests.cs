using System.IO.Compression;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using static Endpoints.EndToEnd.Tests.Infrastructure.RawWebSocketClient;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// RFC 6455 and RFC 7692 cases the way a conformance suite sends them: frame by frame over a bare socket, with
/// the strict expectation for each (the close code, and a close frame rather than a reset).
/// </summary>
public sealed class ProtocolConformanceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TheHandshakeAnswersTheRfcsSampleKeyAndReadsHeaderTokensInAnyCaseAndList()
    {
        await using var server = await TestServer.StartAsync();
        // RFC 6455 section 1.3's example key and answer; Firefox sends "keep-alive, Upgrade".
        var (raw, response) = await HandshakeAsync(server.WebSocketUri("/echo"),
            "Upgrade: WebSocket", "Connection: keep-alive, Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
        await using var _ = raw;

        Assert.StartsWith("HTTP/1.1 101", response);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response);
        await raw.SendTextAsync("after the handshake");
        Assert.Equal("after the handshake", (await NextAsync(raw)).Text);
    }

    [Theory]
    [InlineData("Connection: keep-alive, Upgraded", "400")]
    [InlineData("Upgrade: websockets", "400")]
    [InlineData("Sec-WebSocket-Key: c2hvcnQ=", "400")]
    [InlineData("Sec-WebSocket-Version: 8", "426")]
    public async Task AHandshakeThatIsNotRightIsRefusedBeforeTheUpgrade(string header, string status)
    {
        await using var server = await TestServer.StartAsync();
        var (raw, response) = await HandshakeAsync(server.WebSocketUri("/echo"), header);
        await using var _ = raw;

        Assert.StartsWith($"HTTP/1.1 {status}", response);
        if (status == "426") Assert.Contains("Sec-WebSocket-Version: 13", response);
    }

    [Fact]
    public async Task PingsToAnIdleConnectionAreAnsweredAndMessagesAfterThemArrive()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));

        for (var i = 0; i < 3; i++) Assert.Empty(await raw.PingAsync());
        // A ping and a message in one write: the message after the ping is read without waiting for more input.
        await raw.WriteRawAsync(EncodeFrame(Ping, "p"u8.ToArray()).Concat(EncodeFrame(Text, "after pings"u8.ToArray())).ToArray());
        var pong = await NextAsync(raw);
        Assert.Equal((Pong, "p"), (pong.Opcode, pong.Text));
        Assert.Equal("after pings", (await NextAsync(raw)).Text);
    }

    [Fact]
    public async Task ControlFramesBetweenFragmentsAreAnsweredAndTheMessageArrivesWhole()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));

        await raw.SendFrameAsync(Text, "Hel"u8.ToArray(), fin: false);
        await raw.SendFrameAsync(Ping, "between"u8.ToArray());
        await raw.SendFrameAsync(Continuation, "lo, "u8.ToArray(), fin: false);
        await raw.SendFrameAsync(Continuation, "wor"u8.ToArray(), fin: false);
        await raw.SendFrameAsync(Continuation, "ld"u8.ToArray(), fin: true);

        var pong = await NextAsync(raw);
        Assert.Equal((Pong, "between"), (pong.Opcode, pong.Text));
        var echo = await NextAsync(raw);
        Assert.Equal((Text, true, "Hello, world"), (echo.Opcode, echo.Fin, echo.Text));
    }

    [Theory]
    [InlineData("/echo")]
    [InlineData("/echo-utf8")]
    public async Task ACharacterSplitAcrossFragmentsIsValid(string path)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri(path));
        var bytes = Encoding.UTF8.GetBytes("κόσμε 😀");
        // One byte per fragment: every multi-byte character is split, some across three or four fragments.
        for (var i = 0; i < bytes.Length; i++)
        {
            await raw.SendFrameAsync(i == 0 ? Text : Continuation, bytes.AsMemory(i, 1), fin: i == bytes.Length - 1);
        }
        Assert.Equal("κόσμε 😀", (await NextAsync(raw)).Text);
    }

    [Theory]
    [InlineData("/echo")]
    [InlineData("/echo-utf8")]
    [InlineData("/stream/utf8")]
    public async Task InvalidUtf8InAFragmentClosesWith1007WhileTheClientStillHoldsTheRest(string path)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri(path));

        // "hi" then 0xC0, which never starts a valid sequence; the message is not finished and the client waits.
        await raw.SendFrameAsync(Text, new byte[] { 0x68, 0x69, 0xC0, 0x80 }, fin: false);

        var close = await CloseWithinAsync(raw);
        Assert.Equal(1007, close.CloseStatus);
    }

    [Fact]
    public async Task InvalidUtf8ClosesWith1007AsSoonAsTheBadByteArrivesInsideAFrame()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));

        var payload = new byte[10_000];
        payload.AsSpan().Fill((byte)'a');
        payload[20] = 0xED; // 0xED 0xA0: a UTF-16 surrogate, invalid in UTF-8
        payload[21] = 0xA0;
        var frame = EncodeFrame(Text, payload);
        // The header (8 bytes with the 16-bit length and the mask) and the first 100 payload bytes; the rest never comes.
        await raw.WriteRawAsync(frame.AsMemory(0, 108));

        Assert.Equal(1007, (await CloseWithinAsync(raw)).CloseStatus);
    }

    [Theory]
    [InlineData(0x40, "RSV1 without a negotiated extension")]
    [InlineData(0x20, "RSV2")]
    [InlineData(0x10, "RSV3")]
    public async Task ReservedBitsCloseWith1002(byte bits, string because)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendFrameAsync(Text, "x"u8.ToArray(), reservedBits: bits);
        Assert.True((await CloseWithinAsync(raw)).CloseStatus == 1002, because);
    }

    public static TheoryData<string, byte[][]> ProtocolErrors => new()
    {
        { "reserved data opcode 3", [EncodeFrame(0x3, "x"u8.ToArray())] },
        { "reserved control opcode 11", [EncodeFrame(0xB, "x"u8.ToArray())] },
        { "ping longer than 125 bytes", [EncodeFrame(Ping, new byte[126])] },
        { "fragmented ping", [EncodeFrame(Ping, "x"u8.ToArray(), fin: false)] },
        { "continuation with nothing to continue", [EncodeFrame(Continuation, "x"u8.ToArray())] },
        { "new message before the last one finished", [EncodeFrame(Binary, "a"u8.ToArray(), fin: false), EncodeFrame(Text, "b"u8.ToArray())] },
        { "close with a one-byte payload", [EncodeFrame(Close, new byte[] { 0x03 })] },
        { "close with status 1005, which must not be sent", [EncodeFrame(Close, new byte[] { 0x03, 0xED })] },
        { "close with status 999", [EncodeFrame(Close, new byte[] { 0x03, 0xE7 })] },
        { "close with status 1016, unassigned", [EncodeFrame(Close, new byte[] { 0x03, 0xF8 })] },
        { "unmasked client frame", [EncodeFrame(Text, "x"u8.ToArray(), mask: false)] },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public async Task ProtocolErrorsCloseWith1002(string violation, byte[][] frames)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendTextAsync("before");
        foreach (var frame in frames) await raw.WriteRawAsync(frame);

        var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal("before", Assert.Single(before).Text);
        Assert.True(close?.CloseStatus == 1002, $"{violation}: expected a close frame with 1002, got {close?.CloseStatus.ToString() ?? "no close frame"}");
        await raw.SendCloseAsync(1002);
        Assert.True(await raw.ServerEndedConnectionAsync(Wait), "the server ends the TCP connection after a protocol error");
    }

    [Fact]
    public async Task ACloseReasonThatIsNotUtf8ClosesWith1007()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendFrameAsync(Close, new byte[] { 0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80 });
        Assert.Equal(1007, (await CloseWithinAsync(raw)).CloseStatus);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(3000)]
    [InlineData(4999)]
    public async Task AValidCloseIsAnsweredWithItsStatus(ushort status)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendCloseAsync(status);
        Assert.Equal(status, (await CloseWithinAsync(raw)).CloseStatus);
        Assert.True(await raw.ServerEndedConnectionAsync(Wait));
    }

    [Fact]
    public async Task AnEmptyCloseIsAnsweredAsANormalClosure()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendFrameAsync(Close, Array.Empty<byte>());
        var close = await CloseWithinAsync(raw);
        Assert.True(close.Payload.Length == 0 || close.CloseStatus == 1000, $"answered with {close.CloseStatus}");
    }

    [Fact]
    public async Task CompressedMessagesAreInflatedAndAnswersAreCompressed()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/compressed"), "permessage-deflate; client_max_window_bits");
        Assert.Contains("permessage-deflate", raw.Response, StringComparison.OrdinalIgnoreCase);

        var text = string.Concat(Enumerable.Repeat("Hello, compressed world! ", 200));
        var deflated = Deflate(Encoding.UTF8.GetBytes(text));
        // Split over fragments: only the first carries RSV1.
        await raw.SendFrameAsync(Text, deflated.AsMemory(0, 10), fin: false, reservedBits: 0x40);
        await raw.SendFrameAsync(Continuation, deflated.AsMemory(10), fin: true);

        var answer = await NextAsync(raw);
        Assert.True(answer.Compressed, "the answer is compressed too");
        Assert.Equal(text, Encoding.UTF8.GetString(Inflate(answer.Payload)));
    }

    [Fact]
    public async Task AServerWithCompressionOnForEveryEndpointNegotiatesItOnEcho()
    {
        await using var server = await TestServer.StartAsync(options: o => o.EnableCompression = true);
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"), "permessage-deflate");
        Assert.Contains("permessage-deflate", raw.Response, StringComparison.OrdinalIgnoreCase);
        await raw.SendFrameAsync(Text, Deflate("hi"u8.ToArray()), reservedBits: 0x40);
        Assert.Equal("hi", Encoding.UTF8.GetString(Inflate((await NextAsync(raw)).Payload)));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "not deflate data")]
    [InlineData(new byte[] { 0x06, 0x00, 0x00 }, "a block of the reserved type 3")]
    public async Task ACompressedFrameThatCannotBeInflatedGetsACloseFrameNotAReset(byte[] payload, string what)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/compressed"), "permessage-deflate");
        await raw.SendFrameAsync(Text, payload, reservedBits: 0x40);

        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.True(close is not null, what + ": a close frame comes before the connection ends");
        Assert.Contains(close.CloseStatus, new ushort[] { 1007, 1002 });
    }

    [Fact]
    public async Task InvalidUtf8InsideACompressedMessageClosesWith1007()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/compressed"), "permessage-deflate");
        await raw.SendFrameAsync(Text, Deflate(new byte[] { 0x61, 0xF8, 0x88, 0x80, 0x80, 0x80 }), reservedBits: 0x40);
        Assert.Equal(1007, (await CloseWithinAsync(raw)).CloseStatus);
    }

    private static async Task<RawFrame> NextAsync(RawWebSocketClient raw)
        => await raw.ReadFrameAsync().WaitAsync(Wait) ?? throw new IOException("The server ended the connection.");

    private static async Task<RawFrame> CloseWithinAsync(RawWebSocketClient raw)
    {
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        return close ?? throw new IOException("The server ended the connection without a close frame.");
    }

    /// <summary>permessage-deflate's encoding: raw deflate, sync-flushed, without the trailing 00 00 FF FF.</summary>
    internal static byte[] Deflate(byte[] data)
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
            deflate.Flush();
        }
        var bytes = output.ToArray();
        // Disposing wrote a final empty block after the sync flush's 00 00 FF FF; keep what precedes the marker.
        var marker = bytes.AsSpan().IndexOf(new byte[] { 0x00, 0x00, 0xFF, 0xFF });
        return bytes[..marker];
    }

    internal static byte[] Inflate(byte[] payload)
    {
        using var input = new MemoryStream([.. payload, 0x00, 0x00, 0xFF, 0xFF]);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = inflate.Read(buffer)) > 0) output.Write(buffer, 0, n);
        }
        catch (InvalidDataException) when (output.Length > 0)
        {
            // The stream has no final block; everything before the marker was read.
        }
        return output.ToArray();
    }
}
