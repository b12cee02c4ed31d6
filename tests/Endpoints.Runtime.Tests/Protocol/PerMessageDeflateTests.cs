using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Primitives;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>A client's compressor (RFC 7692 7.2.1): each message sync-flushed, its trailing 00 00 FF FF removed; the window kept across messages.</summary>
internal sealed class ClientDeflater : IDisposable
{
    private readonly MemoryStream _output = new();
    private DeflateStream? _deflate;

    public byte[] Compress(ReadOnlySpan<byte> message, bool contextTakeover = true)
    {
        // An empty message is the one byte 00 (RFC 7692 7.2.3.6); DeflateStream may flush nothing for nothing written.
        if (message.IsEmpty) return [0x00];
        _deflate ??= new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true);
        _output.SetLength(0);
        _deflate.Write(message);
        _deflate.Flush();
        var compressed = _output.ToArray();
        Assert.True(compressed.AsSpan().EndsWith(new byte[] { 0x00, 0x00, 0xFF, 0xFF }), "a sync flush ends with 00 00 FF FF");
        if (!contextTakeover)
        {
            _deflate.Dispose();
            _deflate = null;
        }
        return compressed[..^4];
    }

    public byte[] Compress(string text, bool contextTakeover = true) => Compress(Encoding.UTF8.GetBytes(text), contextTakeover);

    public void Dispose() => _deflate?.Dispose();

    /// <summary>A compressed message as frames: RSV1 on the first, the compressed bytes cut at <paramref name="cuts"/>.</summary>
    public static byte[] Frames(byte opcode, byte[] compressed, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < compressed.Length).Distinct().Order().Prepend(0).Append(compressed.Length).ToArray();
        var frames = new List<byte[]>();
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            var last = i + 2 == bounds.Length;
            frames.Add(ClientFrame.Encode(i == 0 ? opcode : Frame.Continuation, compressed.AsSpan(bounds[i], bounds[i + 1] - bounds[i]), fin: last, rsv1: i == 0,
                mask: [(byte)(0x11 * i), 0xA5, (byte)i, 0x3C]));
        }
        return ClientFrame.Concat(frames.ToArray());
    }
}

/// <summary>Compressed messages (RSV1) inflated by the reader, however their bytes are cut into frames and reads.</summary>
public sealed class CompressedMessageTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static void AssertMessages(byte[] input, params string[] expected)
    {
        var events = expected.Select(e => e.StartsWith("bin:", StringComparison.Ordinal)
            ? Received.Describe("Binary", Convert.FromHexString(e[4..]))
            : Received.Describe("Text", Encoding.UTF8.GetBytes(e))).ToList();
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(events, result.Events);
            Assert.Equal(ReadSignal.Ended, result.Signal);
        }, deflate: true);
    }

    [Fact]
    public void TheRfc7692HelloIsInflated()
    {
        // RFC 7692 7.2.3.1: "Hello" in one compressed frame.
        AssertMessages(ClientFrame.Encode(Frame.Text, Hex("f2 48 cd c9 c9 07 00"), rsv1: true), "Hello");
    }

    [Fact]
    public void TheRfc7692FragmentedHelloIsInflated()
    {
        // RFC 7692 7.2.3.1: the same, in two frames, RSV1 on the first only.
        var input = ClientFrame.Concat(ClientFrame.Encode(Frame.Text, Hex("f2 48 cd"), fin: false, rsv1: true), ClientFrame.Encode(Frame.Continuation, Hex("c9 c9 07 00")));
        AssertMessages(input, "Hello");
    }

    [Fact]
    public void TheRfc7692SecondHelloThatReusesTheWindowIsInflated()
    {
        // RFC 7692 7.2.3.2: the second "Hello" is a back-reference into the first message (context takeover).
        var input = ClientFrame.Concat(ClientFrame.Encode(Frame.Text, Hex("f2 48 cd c9 c9 07 00"), rsv1: true), ClientFrame.Encode(Frame.Text, Hex("f2 00 11 00 00"), rsv1: true));
        AssertMessages(input, "Hello", "Hello");
    }

    [Fact]
    public void TheRfc7692UncompressedBlockIsInflated()
    {
        // RFC 7692 7.2.3.4: "Hello" in a stored (BTYPE 00) block.
        AssertMessages(ClientFrame.Encode(Frame.Text, Hex("00 05 00 fa ff 48 65 6c 6c 6f 00"), rsv1: true), "Hello");
    }

    [Fact]
    public void TheRfc7692MessageOfTwoDeflateBlocksIsInflated()
    {
        // RFC 7692 7.2.3.5: "He" and "llo" in two blocks, the first one sync-flushed inside the message.
        AssertMessages(ClientFrame.Encode(Frame.Text, Hex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00"), rsv1: true), "Hello");
    }

    [Fact]
    public void AnEmptyCompressedMessageIsInflatedToNothing()
    {
        // RFC 7692 7.2.3.6: an empty message compressed is the single byte 00 (an empty stored block once 00 00 FF FF is added).
        var empty = ClientFrame.Encode(Frame.Text, [0x00], rsv1: true);
        AssertMessages(ClientFrame.Concat(empty, ClientFrame.Encode(Frame.Binary, [0x00], rsv1: true), empty), "", "bin:", "");
    }

    [Fact]
    public void CompressedMessagesCutIntoFramesAnywhereAreInflatedWithContextTakeover()
    {
        using var deflater = new ClientDeflater();
        var texts = new[] { "Hello, world! Hello, world! Hello, world!", "Hello, world! again, and again: Hello, world!", "€😀 κόσμε κόσμε κόσμε", "Hello, world!" };
        var compressed = texts.Select(t => deflater.Compress(t)).ToArray();
        Assert.True(compressed[3].Length < 8, "the last message is a back-reference only");
        var input = ClientFrame.Concat(
            ClientDeflater.Frames(Frame.Text, compressed[0]),
            ClientDeflater.Frames(Frame.Text, compressed[1], 1, 5, 6),
            ClientFrame.Ping("between"),
            ClientDeflater.Frames(Frame.Text, compressed[2], 3),
            ClientDeflater.Frames(Frame.Text, compressed[3], 1, 2));
        var expected = new List<string>
        {
            Received.Describe("Text", Encoding.UTF8.GetBytes(texts[0])), Received.Describe("Text", Encoding.UTF8.GetBytes(texts[1])),
            Received.Describe("Ping", "between"u8), Received.Describe("Text", Encoding.UTF8.GetBytes(texts[2])), Received.Describe("Text", Encoding.UTF8.GetBytes(texts[3])),
        };
        ReaderDriver.EveryWay(input, result => Assert.Equal(expected, result.Events), deflate: true);
    }

    [Fact]
    public void PingsInsideACompressedMessageAreDeliveredInOrder()
    {
        using var deflater = new ClientDeflater();
        var compressed = deflater.Compress("compressed with pings between its fragments");
        var third = compressed.Length / 3;
        var input = ClientFrame.Concat(
            ClientFrame.Encode(Frame.Text, compressed.AsSpan(0, third), fin: false, rsv1: true), ClientFrame.Ping("1"),
            ClientFrame.Continuation(compressed[third..(2 * third)], fin: false), ClientFrame.Pong("2"), ClientFrame.Ping("3"),
            ClientFrame.Continuation(compressed[(2 * third)..], fin: true));
        var expected = new List<string>
        {
            Received.Describe("Ping", "1"u8), Received.Describe("Pong", "2"u8), Received.Describe("Ping", "3"u8),
            Received.Describe("Text", "compressed with pings between its fragments"u8),
        };
        ReaderDriver.EveryWay(input, result => Assert.Equal(expected, result.Events), deflate: true);
    }

    [Fact]
    public void UncompressedMessagesBetweenCompressedOnesAreReadAsTheyAre()
    {
        using var deflater = new ClientDeflater();
        var input = ClientFrame.Concat(
            ClientDeflater.Frames(Frame.Text, deflater.Compress("first first first")),
            ClientFrame.Text("plain"),
            ClientFrame.Binary([0xF2, 0x48, 0xCD]),
            ClientDeflater.Frames(Frame.Binary, deflater.Compress("first first first second")));
        AssertMessages(input, "first first first", "plain", "bin:F248CD", "bin:" + Convert.ToHexString("first first first second"u8));
    }

    [Fact]
    public void ALargeCompressedMessageIsInflatedWhole()
    {
        // 100 KiB that compresses to some KiB, inflated through a small destination, cut into four frames.
        var random = new Random(7692);
        var words = new[] { "alpha", "beta", "gamma", "delta", "€uro", "κόσμε", "😀" };
        var text = new StringBuilder();
        while (text.Length < 100 * 1024) text.Append(words[random.Next(words.Length)]).Append(random.Next(1000)).Append(' ');
        var message = Encoding.UTF8.GetBytes(text.ToString());
        using var deflater = new ClientDeflater();
        var compressed = deflater.Compress(message);
        var input = ClientDeflater.Frames(Frame.Text, compressed, compressed.Length / 4, compressed.Length / 2, compressed.Length * 3 / 4);
        var expected = new[] { Received.Describe("Text", message) };
        // Inflating 100 KiB takes milliseconds: one byte per read, and two reads cut around each frame's header (8 bytes each:
        // a 16-bit length and the mask) and every 2 KiB.
        Assert.InRange(compressed.Length / 4, 126, 65535);
        var frameStarts = new[] { 0, compressed.Length / 4 + 8, compressed.Length / 2 + 16, compressed.Length * 3 / 4 + 24 };
        var offsets = frameStarts.SelectMany(f => Enumerable.Range(Math.Max(0, f - 12), 28))
            .Concat(Enumerable.Range(0, input.Length / 2048 + 1).Select(i => i * 2048)).Append(input.Length).Distinct();
        ReaderDriver.EveryWay(input, result => Assert.Equal(expected, result.Events), deflate: true, offsets: offsets);
    }

    [Fact]
    public void MessagesCompressedWithoutContextTakeoverAreInflatedToo()
    {
        using var deflater = new ClientDeflater();
        var input = ClientFrame.Concat(
            ClientDeflater.Frames(Frame.Text, deflater.Compress("same same same", contextTakeover: false)),
            ClientDeflater.Frames(Frame.Text, deflater.Compress("same same same", contextTakeover: false), 2));
        AssertMessages(input, "same same same", "same same same");
    }

    [Theory]
    [InlineData("ff")] // BTYPE 11 is reserved
    [InlineData("06 00 00")] // BTYPE 11 with BFINAL clear
    [InlineData("00 05 00 00 00 48 65 6c 6c 6f")] // a stored block whose NLEN is not the complement of LEN
    public void CompressedDataThatIsNotDeflateIsInvalidPayloadData(string hex)
    {
        var input = ClientFrame.Concat(ClientFrame.Encode(Frame.Text, Hex(hex), rsv1: true), ClientFrame.Text("after"));
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1007, result.FailureStatus);
        }, deflate: true);
    }

    [Fact]
    public void ABackReferenceBeforeAnyOutputIsInvalidPayloadData()
    {
        // The RFC's second "Hello" on its own: a reference to a window the connection never had.
        ReaderDriver.EveryWay(ClientFrame.Encode(Frame.Text, Hex("f2 00 11 00 00"), rsv1: true), result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1007, result.FailureStatus);
        }, deflate: true);
    }
}

/// <summary>permessage-deflate negotiation (RFC 7692 5 and 7.1): which offers are accepted, and the response to them.</summary>
public sealed class PerMessageDeflateNegotiationTests
{
    [Theory]
    [InlineData("permessage-deflate", "permessage-deflate", false, false)]
    [InlineData("PerMessage-Deflate", "permessage-deflate", false, false)]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate", false, false)]
    // A window the client names is answered with the same value: the client keeps to it (and ClientWebSocket requires it).
    [InlineData("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10", false, false)]
    [InlineData("permessage-deflate; client_max_window_bits=\"8\"", "permessage-deflate; client_max_window_bits=8", false, false)]
    [InlineData("permessage-deflate;client_max_window_bits=15", "permessage-deflate; client_max_window_bits=15", false, false)]
    [InlineData("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover", true, false)]
    [InlineData("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover", false, true)]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover", true, true)]
    [InlineData("permessage-deflate; Server_No_Context_Takeover", "permessage-deflate; server_no_context_takeover", true, false)]
    [InlineData("x-webkit-deflate-frame, permessage-deflate", "permessage-deflate", false, false)]
    [InlineData("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover", false, true)]
    [InlineData("permessage-deflate; foo, permessage-deflate", "permessage-deflate", false, false)]
    public void AnOfferTheServerCanHonourIsAccepted(string header, string response, bool serverNoContextTakeover, bool clientNoContextTakeover)
    {
        var (agreed, answer) = PerMessageDeflate.Negotiate(header);
        Assert.Equal((serverNoContextTakeover, clientNoContextTakeover), (agreed?.ServerNoContextTakeover, agreed?.ClientNoContextTakeover));
        Assert.Equal(response, answer);
    }

    [Fact]
    public void AnOfferInASecondHeaderLineIsAccepted()
    {
        var (agreed, answer) = PerMessageDeflate.Negotiate(new StringValues(["x-unknown; a=1", "permessage-deflate; client_no_context_takeover"]));
        Assert.Equal(new PerMessageDeflate(false, true), agreed);
        Assert.Equal("permessage-deflate; client_no_context_takeover", answer);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x-webkit-deflate-frame")]
    [InlineData("permessage-deflate-x")]
    [InlineData("permessage-deflate; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits=8")]
    [InlineData("permessage-deflate; server_max_window_bits")]
    [InlineData("permessage-deflate; client_max_window_bits=7")]
    [InlineData("permessage-deflate; client_max_window_bits=16")]
    [InlineData("permessage-deflate; client_max_window_bits=abc")]
    [InlineData("permessage-deflate; client_max_window_bits=")]
    [InlineData("permessage-deflate; server_no_context_takeover=1")]
    [InlineData("permessage-deflate; client_no_context_takeover=true")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("permessage-deflate; client_max_window_bits=10; client_max_window_bits=11")]
    [InlineData("permessage-deflate; unknown_parameter")]
    [InlineData("permessage-deflate; mux")]
    public void AnOfferTheServerCannotHonourIsDeclined(string header)
    {
        Assert.Equal((null, null), PerMessageDeflate.Negotiate(header));
    }

    [Fact]
    public void NoHeaderAtAllDeclines()
    {
        Assert.Equal((null, null), PerMessageDeflate.Negotiate(StringValues.Empty));
    }

    [Fact]
    public void AnAcceptedServerMaxWindowBitsIsEchoedInTheResponse()
    {
        // RFC 7692 7.1.2.1: "A server accepts an extension negotiation offer with this parameter by including the
        // server_max_window_bits extension parameter in the extension negotiation response ... with the same or smaller
        // value as the offer." A client that asked for it may fail the handshake when it is missing (Python's websockets does).
        var (agreed, answer) = PerMessageDeflate.Negotiate("permessage-deflate; server_max_window_bits=15");
        Assert.NotNull(agreed);
        Assert.Contains("server_max_window_bits=15", answer);
    }
}
