using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using static Endpoints.EndToEnd.Tests.Infrastructure.RawWebSocketClient;
using static Endpoints.EndToEnd.Tests.ProtocolConformanceTests;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// The review's receive-side findings, frame by frame: fail means stop (nothing answered after our close frame), an
/// invalid close frame ends the connection at once, permessage-deflate never empties a message, and the small ones
/// (HTTP/1.0, non-minimal lengths, a declared length over the limit, a limit of int.MaxValue).
/// </summary>
public sealed class ProtocolFailingStateTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, byte[]> ViolationsBeforeAPing => new()
    {
        { "RSV2 on a text frame (Autobahn 3.2)", EncodeFrame(Text, "x"u8.ToArray(), reservedBits: 0x20) },
        { "RSV1+RSV2 (3.3)", EncodeFrame(Text, "x"u8.ToArray(), reservedBits: 0x60) },
        { "reserved data opcode 3 (4.1.3)", EncodeFrame(0x3, "x"u8.ToArray()) },
        { "reserved control opcode 11 (4.2.3)", EncodeFrame(0xB, "x"u8.ToArray()) },
        { "reserved control opcode 15 (4.2.4)", EncodeFrame(0xF, "x"u8.ToArray()) },
    };

    [Theory]
    [MemberData(nameof(ViolationsBeforeAPing))]
    public async Task AfterAProtocolErrorAPingInTheSameWriteIsNotAnswered(string violation, byte[] frame)
    {
        foreach (var path in new[] { "/echo", "/compressed" })
        {
            await using var server = await TestServer.StartAsync();
            await using var raw = await ConnectAsync(server.WebSocketUri(path));
            await raw.WriteRawAsync(EncodeFrame(Text, "before"u8.ToArray()).Concat(frame).Concat(EncodeFrame(Ping, "p"u8.ToArray())).ToArray());

            var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
            Assert.Equal(["before"], before.Select(f => f.Text));
            Assert.True(close?.CloseStatus == 1002, $"{violation} on {path}: 1002, got {close?.CloseStatus.ToString() ?? "none"}");
            await raw.SendCloseAsync(1000);
            var next = await raw.ReadFrameAsync().WaitAsync(Wait);
            Assert.True(next is null, $"{violation} on {path}: nothing after the close frame, got opcode {next?.Opcode}");
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x03 }, "a one-byte payload (7.3.2)")]
    [InlineData(new byte[] { 0x03, 0xE7 }, "code 999 (7.9.2)")]
    [InlineData(new byte[] { 0x07, 0xD0 }, "code 2000 (7.9.8)")]
    public async Task AnInvalidCloseFrameIsAnsweredWith1002AndTheConnectionEndsWithoutWaitingForTheDeadline(byte[] payload, string what)
    {
        // A deadline far beyond the wait: the connection must end because the handshake is over, not because it ran out.
        await using var server = await TestServer.StartAsync(options: o => o.CloseTimeout = TimeSpan.FromSeconds(60));
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendFrameAsync(Close, payload);

        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.True(close?.CloseStatus == 1002, $"{what}: 1002");
        Assert.True(await raw.ServerEndedConnectionAsync(Wait), $"{what}: the server ends TCP once both close frames are exchanged");
    }

    [Fact]
    public async Task AClientThatCompressesEachMessageOnItsOwnWithAFinalBlockGetsEveryMessageBack()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/compressed"), "permessage-deflate; client_no_context_takeover; server_no_context_takeover");
        Assert.Contains("client_no_context_takeover", raw.Response, StringComparison.OrdinalIgnoreCase);

        foreach (var text in new[] { "one", "two", "three", string.Concat(Enumerable.Repeat("four ", 500)) })
        {
            // zlib's Z_FINISH per message, as python-websockets and others do without context takeover.
            await raw.SendFrameAsync(Text, DeflateFinished(Encoding.UTF8.GetBytes(text)), reservedBits: 0x40);
            Assert.Equal(text, Encoding.UTF8.GetString(Inflate((await raw.ReadFrameAsync().WaitAsync(Wait))!.Payload)));
        }
    }

    [Fact]
    public async Task TheRfcsFinalBlockHelloIsFollowedByMessagesThatArriveWhole()
    {
        await using var server = await TestServer.StartAsync();
        // The server's answers each on their own, so this test can inflate them one by one; the client keeps its context.
        await using var raw = await ConnectAsync(server.WebSocketUri("/compressed"), "permessage-deflate; server_no_context_takeover");

        // RFC 7692 7.2.3.3: "Hello" in a block with BFINAL set; then ordinary sync-flushed messages on a new stream.
        await raw.SendFrameAsync(Text, new byte[] { 0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00 }, reservedBits: 0x40);
        Assert.Equal("Hello", Encoding.UTF8.GetString(Inflate((await raw.ReadFrameAsync().WaitAsync(Wait))!.Payload)));
        // The RFC's sync-flushed "Hello" (7.2.3.1), the same bytes twice: a new deflate stream follows the final block.
        foreach (var _ in new[] { 1, 2 })
        {
            await raw.SendFrameAsync(Text, new byte[] { 0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00 }, reservedBits: 0x40);
            var answer = (await raw.ReadFrameAsync().WaitAsync(Wait))!;
            Assert.True(answer.Compressed, Convert.ToHexString(answer.Payload) + " " + answer.Opcode);
            Assert.Equal("Hello", Encoding.UTF8.GetString(Inflate(answer.Payload)));
        }
        // An empty compressed message (7.2.3.6: a single 0x00 byte).
        await raw.SendFrameAsync(Text, new byte[] { 0x00 }, reservedBits: 0x40);
        var empty = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal((Text, 0), (empty!.Opcode, empty.Compressed ? Inflate(empty.Payload).Length : empty.Payload.Length));
    }

    [Fact]
    public async Task AnUpgradeOverHttp10IsRefusedWith400()
    {
        await using var server = await TestServer.StartAsync();
        var (raw, response) = await HandshakeOverAsync(server.WebSocketUri("/echo"), "HTTP/1.0");
        await using var _ = raw;
        Assert.Matches(@"^HTTP/1\.[01] 400", response);
    }

    [Theory]
    [InlineData(126, "5 bytes with a 16-bit length")]
    [InlineData(127, "5 bytes with a 64-bit length")]
    public async Task ALengthThatIsNotMinimallyEncodedClosesWith1002(int lengthCode, string what)
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        var length = lengthCode == 126 ? new byte[] { 0, 5 } : new byte[] { 0, 0, 0, 0, 0, 0, 0, 5 };
        // A zero mask leaves the payload as it is.
        byte[] frame = [0x81, (byte)(0x80 | lengthCode), .. length, 0, 0, 0, 0, .. "hello"u8.ToArray()];
        await raw.WriteRawAsync(frame);
        var (before, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Empty(before);
        Assert.True(close?.CloseStatus == 1002, what);
    }

    [Fact]
    public async Task ADeclaredLengthOverTheLimitIsRefusedFromTheHeaderWith1009()
    {
        await using var server = await TestServer.StartAsync();
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        // 2^40 bytes declared, none sent: the answer cannot wait for the payload.
        await raw.WriteRawAsync(new byte[] { 0x82, 0xFF, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal(1009, (int?)close?.CloseStatus);
    }

    [Fact]
    public async Task AContinuationThatTakesAMessageOverTheLimitIsRefusedFromItsHeaderWith1009()
    {
        await using var server = await TestServer.StartAsync(options: o => o.MaxMessageSize = 1000);
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        await raw.SendFrameAsync(Binary, new byte[600], fin: false);
        // The header of a 600-byte continuation, and no payload.
        await raw.WriteRawAsync(new byte[] { 0x80, 0x80 | 126, 0x02, 0x58, 0, 0, 0, 0 });
        var (_, close) = await raw.ReadUntilCloseAsync().WaitAsync(Wait);
        Assert.Equal(1009, (int?)close?.CloseStatus);
    }

    [Fact]
    public async Task AMessageLimitOfIntMaxValueStillAssemblesFragmentedMessages()
    {
        await using var server = await TestServer.StartAsync(options: o => o.MaxMessageSize = int.MaxValue);
        await using var raw = await ConnectAsync(server.WebSocketUri("/echo"));
        var data = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
        await raw.SendFrameAsync(Binary, data.AsMemory(0, 4000), fin: false);
        await raw.SendFrameAsync(Continuation, data.AsMemory(4000), fin: true);
        var echo = await raw.ReadFrameAsync().WaitAsync(Wait);
        Assert.Equal(data, echo!.Payload);
    }

    /// <summary>A whole deflate stream, ended with a final block (zlib's Z_FINISH), as permessage-deflate allows.</summary>
    private static byte[] DeflateFinished(byte[] data)
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true)) deflate.Write(data);
        return output.ToArray();
    }
}
