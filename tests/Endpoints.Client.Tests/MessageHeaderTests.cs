using System.Text;

namespace Endpoints.Client.Tests;

/// <summary>The endpoints.v1 header as the client reads and writes it, byte for byte.</summary>
public sealed class MessageHeaderTests
{
    [Theory]
    [InlineData("\npayload", null, null, null, null, 1)]
    [InlineData("\n", null, null, null, null, 1)]
    [InlineData("{}\nx", null, null, null, null, 3)]
    [InlineData("{\"id\":7}\n{\"a\":1}", 7L, null, null, null, 9)]
    [InlineData(" { \"id\" : 9007199254740991 } \n", 9007199254740991L, null, null, null, 30)]
    [InlineData("{\"\\u0069d\":5}\n", 5L, null, null, null, 14)]
    [InlineData("{\"re\":3}\n", null, 3L, null, null, 9)]
    [InlineData("{\"re\":3,\"error\":\"a\\nb \\\"c\\\"\"}\n", null, 3L, "a\nb \"c\"", null, 30)]
    [InlineData("{\"k\":\"later\",\"id\":2}\n", 2L, null, null, "later", 21)]
    [InlineData("{\"k\":\"welcome\"}\n{}", null, null, null, "welcome", 16)]
    [InlineData("{\"later\":[1,{\"deep\":null}],\"id\":4}\nrest", 4L, null, null, null, 35)]
    [InlineData("{\"n\":3}\nrest", null, null, null, null, 8)]
    [InlineData("{\"e\":[1],\"o\":\"x\"}\nwithout a stream: a later version's fields", null, null, null, null, 18)]
    public void AWellFormedHeaderIsRead(string message, long? id, long? re, string? error, string? kind, int payloadStart)
    {
        Assert.True(MessageHeader.TryParse(Encoding.UTF8.GetBytes(message), out var header));
        Assert.Equal(new MessageHeader(id, re, error, kind, payloadStart), header);
    }

    [Theory]
    [InlineData("{\"s\":\"g:lobby\",\"e\":\"q3v8k2ma\",\"o\":1742}\nx", "g:lobby", "q3v8k2ma", 1742L)]
    [InlineData("{\"o\":0,\"e\":\"\",\"s\":\"a\"}\n", "a", "", 0L)]
    [InlineData("{\"s\":\"s:1\",\"e\":\"E\",\"o\":9007199254740991}\n", "s:1", "E", 9007199254740991L)]
    public void AStreamPositionIsRead(string message, string stream, string epoch, long offset)
    {
        Assert.True(MessageHeader.TryParse(Encoding.UTF8.GetBytes(message), out var header));
        Assert.Equal((stream, epoch, offset), (header.Stream, header.Epoch, header.Offset));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no line feed")]
    [InlineData("[]\n")]
    [InlineData("\"text\"\n")]
    [InlineData("{\n")]
    [InlineData("{} {}\n")]
    [InlineData("{}x\n")]
    [InlineData("{\"id\":0}\n")]
    [InlineData("{\"id\":-1}\n")]
    [InlineData("{\"id\":9007199254740992}\n")]
    [InlineData("{\"id\":1.5}\n")]
    [InlineData("{\"id\":\"1\"}\n")]
    [InlineData("{\"re\":null}\n")]
    [InlineData("{\"re\":1,\"error\":5}\n")]
    [InlineData("{\"re\":0}\n")]
    [InlineData("{\"n\":0}\n")]
    [InlineData("{\"n\":\"1\"}\n")]
    [InlineData("{\"k\":{\"x\":[1]}}\n")]
    [InlineData("{\"k\":null}\n")]
    [InlineData("{\"s\":1,\"e\":\"E\",\"o\":1}\n")]
    [InlineData("{\"s\":\"a\",\"o\":1}\n")]
    [InlineData("{\"s\":\"a\",\"e\":7,\"o\":1}\n")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\"}\n")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\",\"o\":-1}\n")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\",\"o\":1.5}\n")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\",\"o\":9007199254740992}\n")]
    public void AMalformedHeaderIsRefused(string message)
        => Assert.False(MessageHeader.TryParse(Encoding.UTF8.GetBytes(message), out _));

    [Fact]
    public void TheLineFeedMustComeWithinTheFirst1025Bytes()
    {
        var longest = Encoding.UTF8.GetBytes("{\"p\":\"" + new string('x', 1016) + "\"}\n");
        Assert.Equal(1025, longest.Length);
        Assert.True(MessageHeader.TryParse(longest, out var header));
        Assert.Equal(1025, header.PayloadStart);
        Assert.False(MessageHeader.TryParse([(byte)' ', .. longest], out _));
    }

    [Fact]
    public void AHeaderThatIsNotUtf8IsRefused()
        => Assert.False(MessageHeader.TryParse([.. "{\"re\":1,\"error\":\""u8, 0xC3, 0x28, .. "\"}\n"u8], out _));

    [Theory]
    [InlineData(0L, 0L, "\n")]
    [InlineData(1L, 0L, "{\"id\":1}\n")]
    [InlineData(9007199254740991L, 0L, "{\"id\":9007199254740991}\n")]
    [InlineData(0L, 7L, "{\"n\":7}\n")]
    [InlineData(3L, 12L, "{\"id\":3,\"n\":12}\n")]
    [InlineData(9007199254740991L, 9007199254740991L, "{\"id\":9007199254740991,\"n\":9007199254740991}\n")]
    public void TheHeaderOfWhatTheClientSendsIsItsIdAndNumberAndALineFeed(long id, long number, string expected)
    {
        var buffer = new byte[MessageHeader.MaxWrittenLength];
        var length = MessageHeader.Write(buffer, id, number);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer, 0, length));
        Assert.True(MessageHeader.TryParse(buffer.AsSpan(0, length), out var header));
        Assert.Equal(id == 0 ? null : id, header.Id);
    }

    [Fact]
    public void AnAnswerIsItsHeaderThenTheReply()
    {
        Assert.Equal("{\"re\":12}\n{\"ok\":true}", Encoding.UTF8.GetString(MessageHeader.Reply(12, "{\"ok\":true}"u8)));
        Assert.Equal("{\"re\":12}\n", Encoding.UTF8.GetString(MessageHeader.Reply(12, [])));
    }

    [Theory]
    [InlineData("Room is full.", "Room is full.")]
    [InlineData("line\nbreak \"quoted\" é", "line\nbreak \"quoted\" é")]
    public void AFailureReadsBackAsItsText(string text, string expected)
    {
        var answer = MessageHeader.Failure(5, text);
        Assert.Equal((byte)'\n', answer[^1]);
        Assert.Equal(1, answer.Count(b => b == '\n'));
        Assert.True(MessageHeader.TryParse(answer, out var header));
        Assert.Equal(new MessageHeader(null, 5, expected, null, answer.Length), header);
    }

    [Fact]
    public void AFailureThatIsNotValidUtf16IsStillWritten()
    {
        Assert.True(MessageHeader.TryParse(MessageHeader.Failure(5, "lone \ud800 surrogate"), out var header));
        Assert.Equal("lone \ufffd surrogate", header.Error);
    }

    [Theory]
    [InlineData("x", 5000)]
    [InlineData("é", 3000)]
    [InlineData("\u0001", 2000)]
    [InlineData("😀", 1000)]
    public void ALongFailureIsShortenedToFitTheHeader(string unit, int count)
    {
        var text = string.Concat(Enumerable.Repeat(unit, count));
        var answer = MessageHeader.Failure(MessageHeader.MaxInteger, text);
        Assert.InRange(answer.Length, 1, MessageHeader.MaxLength + 1);
        Assert.True(MessageHeader.TryParse(answer, out var header));
        Assert.EndsWith("...", header.Error, StringComparison.Ordinal);
        Assert.StartsWith(header.Error![..^3], text, StringComparison.Ordinal);
        Assert.True(header.Error.Length > 100, $"shortened more than needed: {header.Error.Length} characters");
    }
}
