using System.Text;
using System.Text.Json;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>The endpoints.v1 header: what it reads, what it refuses, and answers that always fit its limit.</summary>
public sealed class EnvelopeTests
{
    [Theory]
    [InlineData("\npayload", 0, 0, null, null, 0, 1)]
    [InlineData("{\"id\":7}\n{}", 7, 0, null, null, 0, 9)]
    [InlineData("{\"re\":3,\"error\":\"no\"}\n", 0, 3, "no", null, 0, 22)]
    [InlineData("{\"k\":\"hello\",\"n\":4,\"later\":{\"x\":[1]}}\n{}", 0, 0, null, "hello", 4, 38)]
    public void AHeaderIsReadUpToItsLineFeed(string message, long id, long answers, string? error, string? control, long number, int payloadStart)
    {
        Assert.True(Envelope.TryRead(Encoding.UTF8.GetBytes(message), out var header, out var start));
        Assert.Equal(new EnvelopeHeader(id, answers, error, control, number), header);
        Assert.Equal(payloadStart, start);
    }

    [Theory]
    [InlineData("no line feed")]
    [InlineData("{\"id\":1}")]
    [InlineData("{\"id\":\"1\"}\n")]
    [InlineData("{\"id\":1.5}\n")]
    [InlineData("{\"id\":0}\n")]
    [InlineData("{\"re\":-1}\n")]
    [InlineData("{\"n\":9007199254740992}\n")]
    [InlineData("{\"error\":1}\n")]
    [InlineData("{\"k\":1}\n")]
    [InlineData("[]\n")]
    [InlineData("{\"id\":1}{\"id\":2}\n")]
    [InlineData("{\"id\":1\n")]
    public void AnythingElseIsNotAHeader(string message)
        => Assert.False(Envelope.TryRead(Encoding.UTF8.GetBytes(message), out _, out _));

    [Fact]
    public void TheLineFeedMustComeWithinTheLimit()
    {
        var padded = "{\"pad\":\"" + new string('a', Envelope.MaxHeaderLength - 10) + "\"}";
        Assert.Equal(Envelope.MaxHeaderLength, padded.Length);
        Assert.True(Envelope.TryRead(Encoding.UTF8.GetBytes(padded + "\nx"), out _, out _));
        Assert.False(Envelope.TryRead(Encoding.UTF8.GetBytes(padded.Insert(8, "a") + "\nx"), out _, out _));
    }

    [Fact]
    public void RequestsAndAnswersAreWrittenAsTheyAreRead()
    {
        Assert.Equal("{\"id\":9007199254740991}\n", Encoding.UTF8.GetString(Envelope.Request(Envelope.MaxId)));
        Assert.Equal("{\"re\":12}\n", Encoding.UTF8.GetString(Envelope.Answer(12)));
        Assert.True(Envelope.TryRead(Envelope.Error(5, "line\nfeed \"quoted\""), out var header, out _));
        Assert.Equal("line\nfeed \"quoted\"", header.Error);
    }

    [Theory]
    [InlineData('a')]
    [InlineData('"')]
    [InlineData('é')]
    public void ALongErrorIsCutToFitTheHeaderLimit(char filler)
    {
        var answer = Envelope.Error(Envelope.MaxId, new string(filler, 5000) + "😀");
        Assert.InRange(answer.Length, 100, Envelope.MaxHeaderLength + 1);
        Assert.True(Envelope.TryRead(answer, out var header, out var start));
        Assert.Equal(answer.Length, start);
        Assert.EndsWith("…", header.Error);
        // Still valid JSON text: no surrogate half left at the cut.
        JsonDocument.Parse(answer.AsMemory(0, answer.Length - 1)).Dispose();
    }
}
