using System.Text;

namespace Endpoints.Client.Tests;

/// <summary>The endpoints.v1 header as the client reads and writes it, byte for byte.</summary>
public sealed class MessageHeaderTests
{
    [Theory]
    [InlineData("\npayload", null, null, null, false, 1)]
    [InlineData("\n", null, null, null, false, 1)]
    [InlineData("{}\nx", null, null, null, false, 3)]
    [InlineData("{\"id\":7}\n{\"a\":1}", 7L, null, null, false, 9)]
    [InlineData(" { \"id\" : 9007199254740991 } \n", 9007199254740991L, null, null, false, 30)]
    [InlineData("{\"\\u0069d\":5}\n", 5L, null, null, false, 14)]
    [InlineData("{\"re\":3}\n", null, 3L, null, false, 9)]
    [InlineData("{\"re\":3,\"error\":\"a\\nb \\\"c\\\"\"}\n", null, 3L, "a\nb \"c\"", false, 30)]
    [InlineData("{\"k\":{\"x\":[1]},\"id\":2}\n", 2L, null, null, true, 23)]
    [InlineData("{\"later\":[1,{\"deep\":null}],\"id\":4}\nrest", 4L, null, null, false, 35)]
    public void AWellFormedHeaderIsRead(string message, long? id, long? re, string? error, bool hasKind, int payloadStart)
    {
        Assert.True(MessageHeader.TryParse(Encoding.UTF8.GetBytes(message), out var header));
        Assert.Equal(new MessageHeader(id, re, error, hasKind, payloadStart), header);
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
    [InlineData(1L, "{\"id\":1}\n")]
    [InlineData(9007199254740991L, "{\"id\":9007199254740991}\n")]
    public void ARequestHeaderIsItsIdAndALineFeed(long id, string expected)
    {
        var buffer = new byte[MessageHeader.MaxRequestLength];
        var length = MessageHeader.WriteRequest(buffer, id);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer, 0, length));
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
        Assert.Equal(new MessageHeader(null, 5, expected, false, answer.Length), header);
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
        var answer = MessageHeader.Failure(long.MaxValue, text);
        Assert.InRange(answer.Length, 1, MessageHeader.MaxLength + 1);
        Assert.True(MessageHeader.TryParse(answer, out var header));
        Assert.EndsWith("...", header.Error, StringComparison.Ordinal);
        Assert.StartsWith(header.Error![..^3], text, StringComparison.Ordinal);
        Assert.True(header.Error.Length > 100, $"shortened more than needed: {header.Error.Length} characters");
    }
}
