using System.Net.WebSockets;
using System.Text;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>Close frames: which statuses and payloads end the input as the peer's close, and which fail the connection.</summary>
public sealed class CloseFrameTests
{
    public static TheoryData<int> ValidStatuses() => new() { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };

    public static TheoryData<int> InvalidStatuses() => new() { 0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535 };

    [Theory]
    [MemberData(nameof(ValidStatuses))]
    public void AValidCloseStatusEndsTheInputAsThePeersClose(int status)
    {
        var input = ClientFrame.Concat(ClientFrame.Text("last"), ClientFrame.Close(status, "reason"));
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.PeerClosed, result.Signal);
            Assert.Equal(status, result.PeerCloseStatus);
            Assert.Equal("reason", result.Reader.PeerCloseDescription);
            Assert.Equal([Received.Describe("Text", "last"u8)], result.Events);
        });
    }

    [Theory]
    [MemberData(nameof(InvalidStatuses))]
    public void AnInvalidCloseStatusIsAProtocolError(int status)
    {
        var input = ClientFrame.Concat(ClientFrame.Text("last"), ClientFrame.Close(status));
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1002, result.FailureStatus);
            Assert.Null(result.Reader.PeerCloseStatus);
        });
    }

    [Fact]
    public void ACloseFrameWithoutPayloadEndsTheInputWithoutAStatus()
    {
        ReaderDriver.EveryWay(ClientFrame.Close(null), result =>
        {
            Assert.Equal(ReadSignal.PeerClosed, result.Signal);
            Assert.Null(result.Reader.PeerCloseStatus);
            Assert.Null(result.Reader.PeerCloseDescription);
        });
    }

    [Fact]
    public void ACloseStatusWithoutReasonHasNoDescription()
    {
        ReaderDriver.EveryWay(ClientFrame.Close(1001), result =>
        {
            Assert.Equal(ReadSignal.PeerClosed, result.Signal);
            Assert.Equal(1001, result.PeerCloseStatus);
            Assert.Null(result.Reader.PeerCloseDescription);
        });
    }

    [Fact]
    public void AOneByteClosePayloadIsAProtocolError()
    {
        ReaderDriver.EveryWay(ClientFrame.Encode(Frame.Close, [0x03]), result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1002, result.FailureStatus);
        });
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0x61, 0xC0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0x61, 0xE2, 0x82 })]
    public void ACloseReasonThatIsNotUtf8IsInvalidPayloadData(byte[] reason)
    {
        ReaderDriver.EveryWay(ClientFrame.Encode(Frame.Close, ClientFrame.ClosePayload(1000, reason)), result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1007, result.FailureStatus);
        });
    }

    [Fact]
    public void ACloseReasonOf123BytesTheLongestThatFitsIsReported()
    {
        // 123 bytes with a multi-byte character at the very end: the whole reason is a 125-byte control payload.
        var reason = new string('r', 120) + "€";
        Assert.Equal(123, Encoding.UTF8.GetByteCount(reason));
        ReaderDriver.EveryWay(ClientFrame.Close(1000, reason), result =>
        {
            Assert.Equal(ReadSignal.PeerClosed, result.Signal);
            Assert.Equal(1000, result.PeerCloseStatus);
            Assert.Equal(reason, result.Reader.PeerCloseDescription);
        });
    }

    [Fact]
    public void ACloseReasonOf124BytesMakesAControlFrameTooLong()
    {
        ReaderDriver.EveryWay(ClientFrame.Close(1000, new string('r', 124)), result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(1002, result.FailureStatus);
        });
    }
}

/// <summary>Frames a server must refuse (RFC 6455 5.2, 5.4, 5.5): each is a protocol error with status 1002.</summary>
public sealed class ProtocolViolationTests
{
    private static void AssertProtocolError(byte[] input, int status = 1002, bool deflate = false, int deliveredBefore = 0)
    {
        ReaderDriver.EveryWay(input, result =>
        {
            Assert.Equal(ReadSignal.ProtocolError, result.Signal);
            Assert.Equal(status, result.FailureStatus);
            Assert.False(string.IsNullOrEmpty(result.Reader.FailureDescription));
            Assert.Equal(deliveredBefore, result.Events.Count);
        }, deflate);
    }

    private static readonly byte[] s_ok = ClientFrame.Text("ok");

    [Theory]
    [InlineData(0x8000000000000000UL)]
    [InlineData(0xFFFFFFFFFFFFFFFFUL)]
    [InlineData(0x8000000000000001UL)]
    public void A64BitLengthWithItsMostSignificantBitSetIsAProtocolError(ulong declared)
    {
        var frame = ClientFrame.Encode(Frame.Binary, new byte[10], declaredLength: declared);
        AssertProtocolError(ClientFrame.Concat(s_ok, frame), deliveredBefore: 1);
    }

    [Fact]
    public void AFrameWhoseLengthCannotBeKnownCannotBeSkipped()
    {
        var input = ClientFrame.Concat(ClientFrame.Encode(Frame.Binary, new byte[10], declaredLength: ulong.MaxValue), ClientFrame.Close(1000));
        using var reader = ReaderDriver.CreateReader(ChunkedStream.SplitAt(input), new RecordingSink(), 0, deflate: false);
        Assert.Equal(ReadSignal.ProtocolError, ReaderDriver.Sync(reader.NextMessageAsync()));
        Assert.False(ReaderDriver.Sync(reader.SkipBadFrameAsync()));
    }

    [Theory]
    [InlineData(Frame.Ping)]
    [InlineData(Frame.Pong)]
    [InlineData(Frame.Close)]
    public void AControlFrameOf126BytesIsAProtocolError(byte opcode)
    {
        var payload = opcode == Frame.Close ? ClientFrame.ClosePayload(1000, new byte[124]) : new byte[126];
        AssertProtocolError(ClientFrame.Concat(s_ok, ClientFrame.Encode(opcode, payload)), deliveredBefore: 1);
    }

    [Theory]
    [InlineData(Frame.Ping)]
    [InlineData(Frame.Pong)]
    [InlineData(Frame.Close)]
    public void AFragmentedControlFrameIsAProtocolError(byte opcode)
    {
        var payload = opcode == Frame.Close ? ClientFrame.ClosePayload(1000) : "ping"u8.ToArray();
        AssertProtocolError(ClientFrame.Concat(ClientFrame.Encode(opcode, payload, fin: false), ClientFrame.Continuation("", fin: true)));
    }

    [Theory]
    [InlineData(true, false, false, false)]
    [InlineData(false, true, false, false)]
    [InlineData(false, false, true, false)]
    [InlineData(false, true, false, true)]
    [InlineData(false, false, true, true)]
    [InlineData(true, true, true, true)]
    public void ReservedBitsOnADataFrameAreAProtocolError(bool rsv1, bool rsv2, bool rsv3, bool deflate)
    {
        AssertProtocolError(ClientFrame.Concat(s_ok, ClientFrame.Encode(Frame.Text, "x"u8, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3)), deflate: deflate, deliveredBefore: 1);
    }

    [Theory]
    [InlineData(Frame.Ping, false)]
    [InlineData(Frame.Ping, true)]
    [InlineData(Frame.Pong, true)]
    [InlineData(Frame.Close, true)]
    public void RSV1OnAControlFrameIsAProtocolErrorEvenWithPerMessageDeflate(byte opcode, bool deflate)
    {
        var payload = opcode == Frame.Close ? ClientFrame.ClosePayload(1000) : [];
        AssertProtocolError(ClientFrame.Encode(opcode, payload, rsv1: true), deflate: deflate);
    }

    [Fact]
    public void RSV1OnAContinuationFrameIsAProtocolErrorEvenWithPerMessageDeflate()
    {
        var first = ClientFrame.Encode(Frame.Binary, [0xF2, 0x48], fin: false, rsv1: true);
        var next = ClientFrame.Encode(Frame.Continuation, [0xCD, 0xC9, 0xC9, 0x07, 0x00], rsv1: true);
        AssertProtocolError(ClientFrame.Concat(first, next), deflate: true);
    }

    [Theory]
    [InlineData(0x3)]
    [InlineData(0x4)]
    [InlineData(0x5)]
    [InlineData(0x6)]
    [InlineData(0x7)]
    [InlineData(0xB)]
    [InlineData(0xC)]
    [InlineData(0xD)]
    [InlineData(0xE)]
    [InlineData(0xF)]
    public void AReservedOpcodeIsAProtocolError(byte opcode)
    {
        AssertProtocolError(ClientFrame.Concat(s_ok, ClientFrame.Encode(opcode, "x"u8)), deliveredBefore: 1);
    }

    [Theory]
    [InlineData(0x3)]
    [InlineData(0xB)]
    public void AReservedOpcodeInsideAFragmentedMessageIsAProtocolError(byte opcode)
    {
        AssertProtocolError(ClientFrame.Concat(ClientFrame.Text("a", fin: false), ClientFrame.Encode(opcode, "x"u8), ClientFrame.Continuation("b", fin: true)));
    }

    [Theory]
    [InlineData(Frame.Text)]
    [InlineData(Frame.Binary)]
    [InlineData(Frame.Ping)]
    [InlineData(Frame.Close)]
    public void AnUnmaskedFrameIsAProtocolError(byte opcode)
    {
        var payload = opcode == Frame.Close ? ClientFrame.ClosePayload(1000) : "x"u8.ToArray();
        AssertProtocolError(ClientFrame.Concat(s_ok, ClientFrame.Encode(opcode, payload, masked: false)), deliveredBefore: 1);
    }

    [Fact]
    public void AContinuationFrameWithoutAMessageIsAProtocolError()
    {
        AssertProtocolError(ClientFrame.Continuation("orphan", fin: true));
        AssertProtocolError(ClientFrame.Concat(s_ok, ClientFrame.Continuation("orphan", fin: false)), deliveredBefore: 1);
    }

    [Fact]
    public void AContinuationFrameAfterACompleteFragmentedMessageIsAProtocolError()
    {
        AssertProtocolError(ClientFrame.Concat(ClientFrame.Text("a", fin: false), ClientFrame.Continuation("b", fin: true), ClientFrame.Continuation("c", fin: true)), deliveredBefore: 1);
    }

    [Theory]
    [InlineData(Frame.Text)]
    [InlineData(Frame.Binary)]
    public void ANewMessageInsideAFragmentedOneIsAProtocolError(byte opcode)
    {
        AssertProtocolError(ClientFrame.Concat(ClientFrame.Text("a", fin: false), ClientFrame.Ping("p"), ClientFrame.Encode(opcode, "b"u8), ClientFrame.Continuation("c", fin: true)),
            deliveredBefore: 1 /* the ping */);
    }

    [Fact]
    public void ACompressedFrameWithoutPerMessageDeflateIsAProtocolError()
    {
        AssertProtocolError(ClientFrame.Encode(Frame.Text, [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00], rsv1: true));
    }

    [Fact]
    public void AfterABadFrameOfKnownLengthThePeersCloseFrameIsStillFound()
    {
        // The bad frame is long and its payload looks like frames: skipping it must use its declared length.
        var misleading = ClientFrame.Concat(Enumerable.Repeat(ClientFrame.Close(1000), 30).ToArray());
        var input = ClientFrame.Concat(ClientFrame.Encode(0x3, misleading), ClientFrame.Close(4001, "after"));
        foreach (var offset in ReaderDriver.SplitOffsets(input.Length, []))
        {
            using var reader = ReaderDriver.CreateReader(ChunkedStream.SplitAt(input, offset), new RecordingSink(), 0, deflate: false);
            ReaderDriver.Sync(reader.WaitForInputAsync());
            Assert.Equal(ReadSignal.ProtocolError, ReaderDriver.Sync(reader.NextMessageAsync()));
            Assert.True(ReaderDriver.Sync(reader.SkipBadFrameAsync()));
            if (reader.IsIdle) ReaderDriver.Sync(reader.WaitForInputAsync());
            Assert.Equal(ReadSignal.PeerClosed, ReaderDriver.Sync(reader.NextMessageAsync()));
            Assert.Equal((WebSocketCloseStatus)4001, reader.PeerCloseStatus);
        }
    }

    [Fact]
    public void InputThatEndsInsideAHeaderOrPayloadEndsWithoutAProtocolError()
    {
        var frame = ClientFrame.Encode(Frame.Binary, new byte[130]);
        for (var cut = 1; cut < frame.Length; cut++)
        {
            ReaderDriver.EveryWay(frame[..cut], result =>
            {
                Assert.Equal(ReadSignal.Ended, result.Signal);
                Assert.Empty(result.Events);
                Assert.Null(result.Reader.EndedBy);
            });
        }
    }
}
