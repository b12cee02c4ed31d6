using System.Net.WebSockets;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>
/// The review's receive-side findings below end to end: non-minimal lengths refused, a BFINAL block followed by more
/// messages, nothing answered or reported once the connection is failing (<see cref="FrameReader.StartDiscarding"/>),
/// an invalid close counted as the peer's close, message limits checked on the header, and messages compressed on
/// their own (client_no_context_takeover).
/// </summary>
public sealed class FrameReaderFailingStateTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Theory]
    [InlineData(Frame.Binary, 0, 16)]
    [InlineData(Frame.Binary, 125, 16)]
    [InlineData(Frame.Text, 1, 16)]
    [InlineData(Frame.Binary, 0, 64)]
    [InlineData(Frame.Binary, 125, 64)]
    [InlineData(Frame.Binary, 126, 64)]
    [InlineData(Frame.Binary, 65535, 64)]
    [InlineData(Frame.Ping, 5, 16)]
    [InlineData(Frame.Close, 2, 64)]
    public void APayloadLengthThatIsNotMinimallyEncodedIsAProtocolError(byte opcode, int length, int lengthBits)
    {
        var encoding = lengthBits == 16 ? LengthEncoding.Bits16 : LengthEncoding.Bits64;
        var payload = opcode == Frame.Close ? ClientFrame.ClosePayload(1000) : new byte[length];
        var input = ClientFrame.Concat(ClientFrame.Text("ok"), ClientFrame.Encode(opcode, payload, length: encoding), ClientFrame.Text("never"));
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1002, result.FailureStatus);
            Assert.Equal([Received.Describe("Text", "ok"u8)], result.Events);
        });
    }

    [Fact]
    public void ANonMinimalLengthInAContinuationFrameIsAProtocolError()
    {
        var input = ClientFrame.Concat(ClientFrame.Text("a", fin: false), ClientFrame.Encode(Frame.Continuation, "b"u8, length: LengthEncoding.Bits16));
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1002, result.FailureStatus);
        });
    }

    [Theory]
    [InlineData("f3 48 cd c9 c9 07 00 00")] // RFC 7692 7.2.3.3, with the stored-block header byte after the final block
    [InlineData("f3 48 cd c9 c9 07 00")] // the final block alone
    public void AMessageEndingTheDeflateStreamWithBfinalIsFollowedByMoreMessages(string bfinal)
    {
        using var deflater = new ClientDeflater();
        var input = ClientFrame.Concat(
            ClientFrame.Encode(Frame.Text, Hex(bfinal), rsv1: true),
            ClientFrame.Encode(Frame.Text, Hex("f2 48 cd c9 c9 07 00"), rsv1: true),
            ClientFrame.Text("plain"),
            ClientDeflater.Frames(Frame.Binary, deflater.Compress("a fresh compressor's message"u8), 3));
        var expected = new List<string>
        {
            Received.Describe("Text", "Hello"u8), Received.Describe("Text", "Hello"u8), Received.Describe("Text", "plain"u8),
            Received.Describe("Binary", "a fresh compressor's message"u8),
        };
        ReaderDriver.EveryWay(input, result => AssertEventsThenEnded(expected, result), deflate: true);
    }

    [Fact]
    public void ABfinalMessageCutIntoFramesIsFollowedByMoreMessages()
    {
        var input = ClientFrame.Concat(
            ClientFrame.Encode(Frame.Text, Hex("f3 48"), fin: false, rsv1: true), ClientFrame.Ping("p"), ClientFrame.Continuation(Hex("cd c9 c9 07 00 00"), fin: true),
            ClientFrame.Encode(Frame.Text, Hex("f3 48 cd c9 c9 07 00 00"), rsv1: true));
        var expected = new List<string> { Received.Describe("Ping", "p"u8), Received.Describe("Text", "Hello"u8), Received.Describe("Text", "Hello"u8) };
        ReaderDriver.EveryWay(input, result => AssertEventsThenEnded(expected, result), deflate: true);
    }

    private static void AssertEventsThenEnded(List<string> expected, DriveResult result)
    {
        Assert.True(expected.SequenceEqual(result.Events) && result.Signal == ReadSignal.Ended,
            $"expected [{string.Join(", ", expected)}] then Ended; got [{string.Join(", ", result.Events)}] then {result.Signal}"
            + (result.Signal == ReadSignal.ProtocolError ? $" {result.FailureStatus} ({result.Reader.FailureDescription})" : ""));
    }

    [Fact]
    public void AfterAProtocolErrorPingsAreNeitherAnsweredNorReported()
    {
        // As the close handshake does: the reader is told to discard, the bad frame is skipped, the input is drained to the peer's close.
        var input = ClientFrame.Concat(ClientFrame.Ping("before"), ClientFrame.Text("ok"), ClientFrame.Encode(0x3, "bad"u8), ClientFrame.Ping("after"),
            ClientFrame.Text("dropped"), ClientFrame.Pong("after too"), ClientFrame.Close(1002));
        foreach (var offset in ReaderDriver.SplitOffsets(input.Length, []))
        {
            var sink = new RecordingSink();
            using var reader = ReaderDriver.CreateReader(ChunkedStream.SplitAt(input, offset), sink, 0, deflate: false);
            Assert.Equal(ReadSignal.ProtocolError, ReaderDriver.Drive(reader, DriveMode.Whole, sink.Log, 10_000));
            reader.StartDiscarding();
            Assert.True(ReaderDriver.Sync(reader.SkipBadFrameAsync()));
            Assert.Equal(ReadSignal.PeerClosed, Drain(reader));
            Assert.Equal(["before"], sink.Pings.Select(p => System.Text.Encoding.UTF8.GetString(p)));
            Assert.Empty(sink.Pongs);
        }
    }

    [Fact]
    public void AnInvalidCloseFrameCountsAsThePeersClose()
    {
        // A bad code, a one-byte payload, a reason that is not UTF-8, a 126-byte payload (Autobahn 7.3.6), a fragmented close.
        foreach (var close in new[]
                 {
                     ClientFrame.Close(1005), ClientFrame.Encode(Frame.Close, [0x03]), ClientFrame.Encode(Frame.Close, ClientFrame.ClosePayload(1000, [0xFF])),
                     ClientFrame.Encode(Frame.Close, ClientFrame.ClosePayload(1000, new byte[124])), ClientFrame.Encode(Frame.Close, ClientFrame.ClosePayload(1000), fin: false),
                 })
        {
            var result = ReaderDriver.Run(ChunkedStream.SplitAt(close), DriveMode.Whole);
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.True(result.Reader.PeerSentClose);
        }
        var other = ReaderDriver.Run(ChunkedStream.SplitAt(ClientFrame.Encode(0x3, [])), DriveMode.Whole);
        Assert.False(other.Reader.PeerSentClose);
    }

    [Theory]
    [InlineData(1UL << 40)]
    [InlineData(101UL)]
    [InlineData(70_000UL)]
    public void ATextMessageDeclaredLongerThanItsLimitIsRefusedFromTheHeader(ulong declared)
    {
        // Only the header arrives: the refusal cannot wait for the payload.
        var header = ClientFrame.Encode(Frame.Text, [], declaredLength: declared);
        var result = RunWithLimits(header, text: 100, binary: long.MaxValue);
        Assert.Equal(ReadSignal.ProtocolError, result.Signal);
        Assert.Equal(1009, result.FailureStatus);
    }

    [Fact]
    public void FragmentsAddingUpToMoreThanTheLimitAreRefusedOnTheHeaderThatCrossesIt()
    {
        var input = ClientFrame.Concat(ClientFrame.Text(new string('a', 60), fin: false), ClientFrame.Encode(Frame.Continuation, [], fin: true, declaredLength: 41));
        var result = RunWithLimits(input, text: 100, binary: long.MaxValue);
        Assert.Equal(ReadSignal.ProtocolError, result.Signal);
        Assert.Equal(1009, result.FailureStatus);
    }

    [Fact]
    public void AMessageExactlyAtItsLimitIsRead()
    {
        var input = ClientFrame.Concat(ClientFrame.Text(new string('a', 60), fin: false), ClientFrame.Continuation(new string('b', 40), fin: true),
            ClientFrame.Binary(new byte[150]));
        var result = RunWithLimits(input, text: 100, binary: 150);
        Assert.Equal(ReadSignal.Ended, result.Signal);
        Assert.Equal(2, result.Events.Count);
    }

    [Fact]
    public void TheTextAndBinaryLimitsApplyToTheirOwnMessageType()
    {
        var result = RunWithLimits(ClientFrame.Concat(ClientFrame.Binary(new byte[150]), ClientFrame.Text(new string('a', 101))), text: 100, binary: 1000);
        Assert.Equal(ReadSignal.ProtocolError, result.Signal);
        Assert.Equal(1009, result.FailureStatus);
        Assert.Single(result.Events);
    }

    [Fact]
    public void MessagesCompressedOnTheirOwnAreInflatedWithoutContextTakeover()
    {
        using var deflater = new ClientDeflater();
        var input = ClientFrame.Concat(
            ClientDeflater.Frames(Frame.Text, deflater.Compress("same same same", contextTakeover: false)),
            ClientDeflater.Frames(Frame.Text, deflater.Compress("same same same", contextTakeover: false), 2));
        foreach (var offset in ReaderDriver.SplitOffsets(input.Length, []))
        {
            var events = new List<string>();
            using var reader = new FrameReader(ChunkedStream.SplitAt(input, offset), 0, new RecordingSink(events), new MessageInflater(noContextTakeover: true));
            Assert.Equal(ReadSignal.Ended, ReaderDriver.Drive(reader, DriveMode.Streamed, events, 10_000));
            Assert.Equal([Received.Describe("Text", "same same same"u8), Received.Describe("Text", "same same same"u8)], events);
        }
    }

    [Fact]
    public void ACompressedMessageSkippedWhileFailingIsNotInflated()
    {
        // A bomb: 8 MiB of zeros deflate to a few KiB. Skipped after the connection failed, only its compressed bytes are
        // read (review C8: the drain used to inflate it all).
        var zeros = new byte[8 * 1024 * 1024];
        var output = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(zeros);
            deflate.Flush();
        }
        var bytes = output.ToArray();
        var compressed = bytes[..bytes.AsSpan().LastIndexOf(new byte[] { 0x00, 0x00, 0xFF, 0xFF })]; // as a sender strips it
        var input = ClientFrame.Concat(ClientFrame.Encode(Frame.Binary, compressed, rsv1: true), ClientFrame.Close(1000));
        using var reader = new FrameReader(ChunkedStream.SplitAt(input), 0, new RecordingSink([]), new MessageInflater());
        Assert.Equal(ReadSignal.Data, ReaderDriver.Sync(reader.NextMessageAsync()));

        reader.StartDiscarding();
        var skipped = ReaderDriver.Sync(reader.SkipMessageAsync(new byte[4096]));
        Assert.True(skipped.EndOfMessage);
        Assert.Equal(compressed.Length, skipped.Count);
        Assert.Equal(ReadSignal.PeerClosed, ReaderDriver.Sync(reader.NextMessageAsync()));
    }

    private static DriveResult RunWithLimits(byte[] input, long text, long binary)
    {
        var stream = ChunkedStream.SplitAt(input);
        var events = new List<string>();
        var sink = new RecordingSink(events);
        var reader = new FrameReader(stream, 0, sink, null) { TextMessageLimit = text, BinaryMessageLimit = binary };
        var signal = ReaderDriver.Drive(reader, DriveMode.Whole, events, 10_000);
        return new DriveResult(events, signal, reader, sink, stream);
    }

    /// <summary>What the close handshake does after an error: read and drop until the peer's close, the end, or another error.</summary>
    private static ReadSignal Drain(FrameReader reader)
    {
        var scratch = new byte[64];
        if (reader.InMessage)
        {
            var skipped = ReaderDriver.Sync(reader.SkipMessageAsync(scratch));
            if (skipped.Signal != ReadSignal.Data) return skipped.Signal;
        }
        while (true)
        {
            if (reader.IsIdle) ReaderDriver.Sync(reader.WaitForInputAsync());
            var signal = ReaderDriver.Sync(reader.NextMessageAsync());
            if (signal == ReadSignal.Idle) continue;
            if (signal != ReadSignal.Data) return signal;
            var skipped = ReaderDriver.Sync(reader.SkipMessageAsync(scratch));
            if (skipped.Signal != ReadSignal.Data) return skipped.Signal;
        }
    }
}
