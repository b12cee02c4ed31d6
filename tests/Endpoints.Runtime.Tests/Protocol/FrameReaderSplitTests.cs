using System.Text;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>
/// Valid frame sequences read one byte at a time and in two reads split at every offset: whatever the pieces, the same
/// messages (type and bytes), the same control frames in the same order, and the same end come out.
/// </summary>
public sealed class FrameReaderSplitTests
{
    private static byte[] Pattern(int length, int seed = 0) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed * 7 + (i >> 8))).ToArray();

    private static string Ascii(int length) => new(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)).ToArray());

    private static readonly Dictionary<string, TestFrame[]> s_cases = new()
    {
        ["a text message"] = [TestFrame.Text("Hello")],
        ["a binary message"] = [TestFrame.Binary([0x00, 0x01, 0x80, 0xFF, 0x7F, 0x10, 0x20])],
        ["an empty text message"] = [TestFrame.Text("")],
        ["an empty binary message"] = [TestFrame.Binary([])],
        ["an empty message in three empty fragments"] = [TestFrame.Text("", fin: false), TestFrame.Continuation("", fin: false), TestFrame.Continuation("", fin: true)],
        ["a message whose last fragment is empty"] = [TestFrame.Binary([1, 2, 3], fin: false), TestFrame.Continuation([], fin: true)],
        ["a fragmented text message with pings and pongs between its fragments"] =
        [
            TestFrame.Text("Hel", fin: false), TestFrame.Ping("p1"), TestFrame.Continuation("lo, ", fin: false), TestFrame.Pong("x"), TestFrame.Ping(),
            TestFrame.Continuation("world", fin: true),
        ],
        ["a fragmented binary message with a 125-byte ping inside"] =
        [
            TestFrame.Binary(Pattern(40), fin: false), new TestFrame(Frame.Ping, Pattern(125, 3)), TestFrame.Continuation(Pattern(41, 1), fin: true),
        ],
        ["multi-byte UTF-8 characters split across fragments"] =
        [
            // "€😀é": E2 82 AC | F0 9F 98 80 | C3 A9, cut inside every character.
            new TestFrame(Frame.Text, [0x61, 0xE2], Fin: false), TestFrame.Continuation([0x82], fin: false), TestFrame.Ping("between"),
            TestFrame.Continuation([0xAC, 0xF0], fin: false), TestFrame.Continuation([0x9F, 0x98], fin: false),
            TestFrame.Continuation([0x80, 0xC3], fin: false), TestFrame.Continuation([0xA9, 0x62], fin: true),
        ],
        ["a 125-byte payload, the longest with a 7-bit length"] = [TestFrame.Binary(Pattern(125))],
        ["a 126-byte payload, the shortest with a 16-bit length"] = [TestFrame.Binary(Pattern(126))],
        ["a 65535-byte payload, the longest with a 16-bit length"] = [TestFrame.Binary(Pattern(65535))],
        ["a 65536-byte payload, the shortest with a 64-bit length"] = [TestFrame.Binary(Pattern(65536))],
        ["a 65536-byte text message in three fragments of each length size"] =
        [
            TestFrame.Text(Ascii(100), fin: false), TestFrame.Continuation(Ascii(300), fin: false), TestFrame.Ping("mid"),
            TestFrame.Continuation(Ascii(65536 - 400), fin: true),
        ],
        ["control frames before, between and after messages"] =
        [
            TestFrame.Ping("a"), TestFrame.Text("one"), TestFrame.Pong("b"), TestFrame.Binary([1, 2, 3]), new TestFrame(Frame.Ping, Pattern(125)),
            TestFrame.Pong(), TestFrame.Ping("last"),
        ],
        ["only control frames"] = [TestFrame.Ping("1"), TestFrame.Ping("2"), TestFrame.Pong("3")],
        ["several messages back to back"] =
        [
            TestFrame.Text("a"), TestFrame.Binary([9]), TestFrame.Text("€uro"), TestFrame.Text(""), TestFrame.Binary(Pattern(200)),
            TestFrame.Text("fragmented ", fin: false), TestFrame.Continuation("text", fin: true), TestFrame.Text("z"),
        ],
        ["payloads under every mask and mask phase"] =
        [
            new TestFrame(Frame.Binary, Pattern(1), Mask: [0, 0, 0, 0]), new TestFrame(Frame.Binary, Pattern(2), Mask: [0xFF, 0xFF, 0xFF, 0xFF]),
            new TestFrame(Frame.Binary, Pattern(3), Fin: false, Mask: [1, 2, 3, 4]), new TestFrame(Frame.Continuation, Pattern(5, 2), Fin: false, Mask: [0x80, 0, 0x7F, 0x55]),
            new TestFrame(Frame.Continuation, Pattern(70, 3), Fin: true, Mask: [0xDE, 0xAD, 0xBE, 0xEF]),
            new TestFrame(Frame.Binary, Pattern(333, 4), Mask: [0x12, 0x34, 0x56, 0x78]),
        ],
        ["a close frame with a status and a reason ends the input"] = [TestFrame.Text("bye"), TestFrame.Close(1000, "done"), TestFrame.Text("never read")],
        ["a close frame without a payload ends the input"] = [TestFrame.Ping("p"), TestFrame.Close(null), TestFrame.Binary([1])],
        ["a close frame between the fragments of a message ends the input"] = [TestFrame.Text("half", fin: false), TestFrame.Ping("x"), TestFrame.Close(1001)],
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_cases.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryWayOfSplittingTheInputGivesTheSameMessagesControlFramesAndEnd(string name)
    {
        var sequence = new FrameSequence(s_cases[name]);
        ReaderDriver.EveryWay(sequence.Bytes, result =>
        {
            Assert.Equal(sequence.Events, result.Events);
            Assert.Equal(sequence.Signal, result.Signal);
            if (sequence.Signal == ReadSignal.PeerClosed) Assert.Equal(sequence.CloseStatus, result.PeerCloseStatus);
            if (sequence.Signal == ReadSignal.Ended) Assert.Null(result.Reader.EndedBy);
            Assert.Equal(sequence.Events.Count(e => e.StartsWith("Ping", StringComparison.Ordinal)), result.Sink.Pings.Count);
        }, frameStarts: sequence.FrameStarts);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputThatEndsAfterAnyByteGivesTheCompleteFramesBeforeItThenEnded(string name)
    {
        var sequence = new FrameSequence(s_cases[name]);
        if (sequence.Bytes.Length > 4096) return; // every cut of a 64 KiB payload proves nothing the short ones do not
        for (var cut = 0; cut < sequence.Bytes.Length; cut++)
        {
            var completeFrames = sequence.FrameEnds.Count(end => end <= cut);
            var (events, signal, status) = sequence.Expect(completeFrames);
            var input = sequence.Bytes[..cut];
            foreach (var mode in DriveMode.Both)
            {
                foreach (var stream in new[] { ChunkedStream.OneByteAtATime(input), ChunkedStream.SplitAt(input, cut / 2) })
                {
                    var result = ReaderDriver.Run(stream, mode);
                    Assert.True(events.SequenceEqual(result.Events), $"cut at {cut} ({mode}): expected [{string.Join(", ", events)}], got [{string.Join(", ", result.Events)}]");
                    Assert.True(signal == result.Signal, $"cut at {cut} ({mode}): expected {signal}, got {result.Signal}");
                    if (signal == ReadSignal.PeerClosed) Assert.Equal(status, result.PeerCloseStatus);
                    result.Reader.Dispose();
                }
            }
        }
    }

    [Fact]
    public void TheCloseStatusAndReasonOfTheClosingFrameAreReported()
    {
        var input = new FrameSequence([TestFrame.Text("x"), TestFrame.Close(1000, "done, κόσμε")]).Bytes;
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.PeerClosed, result.Signal);
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, result.Reader.PeerCloseStatus);
            Assert.Equal("done, κόσμε", result.Reader.PeerCloseDescription);
        });
    }

    [Fact]
    public void AFailedReadEndsTheInputWithTheException()
    {
        var input = new FrameSequence([TestFrame.Text("one"), TestFrame.Text("two", fin: false)]).Bytes;
        var reset = new IOException("connection reset");
        for (var split = 0; split <= input.Length; split++)
        {
            foreach (var mode in DriveMode.Both)
            {
                var result = ReaderDriver.Run(ChunkedStream.ThenFail(input, reset, split), mode);
                Assert.Equal(ReadSignal.Ended, result.Signal);
                Assert.Same(reset, result.Reader.EndedBy);
                Assert.Equal([Received.Describe("Text", "one"u8)], result.Events);
            }
        }
    }

    [Fact]
    public void ASkippedMessageLeavesTheReaderAtTheNextMessage()
    {
        var sequence = new FrameSequence(
        [
            TestFrame.Text("skip ", fin: false), TestFrame.Ping("inside"), TestFrame.Continuation(Ascii(300), fin: false), TestFrame.Continuation("me", fin: true),
            TestFrame.Binary([7, 8, 9]),
        ]);
        foreach (var offset in ReaderDriver.SplitOffsets(sequence.Bytes.Length, sequence.FrameStarts))
        {
            var sink = new RecordingSink();
            using var reader = ReaderDriver.CreateReader(ChunkedStream.SplitAt(sequence.Bytes, offset), sink, 0, deflate: false);
            ReaderDriver.Sync(reader.WaitForInputAsync());
            Assert.Equal(ReadSignal.Data, ReaderDriver.Sync(reader.NextMessageAsync()));
            var skipped = ReaderDriver.Sync(reader.SkipMessageAsync(new byte[16]));
            Assert.Equal(new PayloadRead(307, true, ReadSignal.Data), skipped);
            Assert.False(reader.InMessage);
            Assert.Equal(["inside"], sink.Pings.Select(p => Encoding.UTF8.GetString(p)));
            if (reader.IsIdle) ReaderDriver.Sync(reader.WaitForInputAsync());
            Assert.Equal(ReadSignal.Data, ReaderDriver.Sync(reader.NextMessageAsync()));
            Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Binary, reader.MessageType);
            var rest = new List<byte>();
            var destination = new byte[2];
            while (true)
            {
                var read = ReaderDriver.Sync(reader.ReadPayloadAsync(destination));
                Assert.Equal(ReadSignal.Data, read.Signal);
                rest.AddRange(destination.AsSpan(0, read.Count).ToArray());
                if (read.EndOfMessage) break;
            }
            Assert.Equal([7, 8, 9], rest);
        }
    }

    [Fact]
    public void AnIdleReaderWaitsWithAZeroByteReadAndReturnsIdleAfterControlFramesOnly()
    {
        var input = new FrameSequence([TestFrame.Ping("a"), TestFrame.Pong("b")]).Bytes;
        var stream = ChunkedStream.SplitAt(input, input.Length);
        var sink = new RecordingSink();
        using var reader = ReaderDriver.CreateReader(stream, sink, 0, deflate: false);
        Assert.True(reader.IsIdle);
        ReaderDriver.Sync(reader.WaitForInputAsync());
        Assert.Equal(1, stream.ZeroByteReads);
        Assert.Equal(ReadSignal.Idle, ReaderDriver.Sync(reader.NextMessageAsync()));
        Assert.True(reader.IsIdle);
        Assert.Equal(["a"], sink.Pings.Select(p => Encoding.UTF8.GetString(p)));
        Assert.Equal(["b"], sink.Pongs.Select(p => Encoding.UTF8.GetString(p)));
        ReaderDriver.Sync(reader.WaitForInputAsync());
        Assert.Equal(ReadSignal.Ended, ReaderDriver.Sync(reader.NextMessageAsync()));
    }
}
