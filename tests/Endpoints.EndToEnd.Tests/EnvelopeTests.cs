using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.Tests;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// The endpoints.v1 subprotocol (docs/protocol.md) on the wire: negotiated only when offered, a header in front of every
/// message, requests acknowledged, answered or rejected, the server's own requests, and plain clients unchanged.
/// </summary>
public sealed class EnvelopeTests
{
    private const string V1 = "endpoints.v1";

    private static async Task<ClientWebSocket> ConnectV1Async(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(V1);
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(WebSocketClient.Timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        Assert.Equal(V1, socket.SubProtocol);
        return socket;
    }

    private static async Task SendBinaryAsync(ClientWebSocket socket, byte[] data)
    {
        using var timeout = new CancellationTokenSource(WebSocketClient.Timeout);
        await socket.SendAsync(data, WebSocketMessageType.Binary, true, timeout.Token);
    }

    [Fact]
    public async Task APlainClientGetsNoSubprotocolAndTheSameBytesAsBefore()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
        Assert.Null(socket.SubProtocol);
        await socket.SendTextAsync("hello");
        Assert.Equal("hello", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("\nstarts with a line feed");
        Assert.Equal("\nstarts with a line feed", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task EveryMessageCarriesAHeaderTextStaysTextAndBinaryStaysBinary()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/echo"));
        await socket.SendTextAsync("\nhello");
        Assert.Equal("\nhello", await socket.ReceiveTextAsync());

        // An unknown header field is ignored; the payload alone reaches OnText.
        await socket.SendTextAsync("{\"later\":[1,2]}\nagain");
        Assert.Equal("\nagain", await socket.ReceiveTextAsync());

        await SendBinaryAsync(socket, [(byte)'\n', 0, 1, 0xFF]);
        var (type, data) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(new byte[] { (byte)'\n', 0, 1, 0xFF }, data);

        // A binary request: the echo, then the acknowledgement, in that order.
        await SendBinaryAsync(socket, [.. "{\"id\":5}\n"u8, 7, 8]);
        (type, data) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(new byte[] { (byte)'\n', 7, 8 }, data);
        Assert.Equal("{\"re\":5}\n", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AHeaderAlsoGoesInFrontOfACompressedMessage()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/compressed"), options => options.DangerousDeflateOptions = new WebSocketDeflateOptions());
        var text = "\n" + string.Concat(Enumerable.Repeat("compressible ", 200));
        await socket.SendTextAsync(text);
        Assert.Equal(text, await socket.ReceiveTextAsync());
        await socket.SendTextAsync("{\"id\":1}\nx");
        Assert.Equal("\nx", await socket.ReceiveTextAsync());
        Assert.Equal("{\"re\":1}\n", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task ALargeMessageGetsItsHeaderToo()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/echo"));
        var data = new byte[200_000];
        Random.Shared.NextBytes(data);
        data[0] = (byte)'\n';
        await SendBinaryAsync(socket, data);
        var (type, echoed) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(data, echoed);
    }

    [Fact]
    public async Task ARequestIsAnsweredWithTheReplyAfterWhatItsHandlerSent()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/ann"));
        await socket.SendTextAsync("{\"id\":1}\n{\"type\":\"join\",\"name\":\"ann\"}");
        Assert.Equal("\n{\"type\":\"note\",\"text\":\"welcome ann\"}", await socket.ReceiveTextAsync());
        // Joined is one of several Sends: encoded as a send of it is, with the type property.
        Assert.Equal("{\"re\":1}\n{\"type\":\"joined\",\"name\":\"ann\",\"members\":3}", await socket.ReceiveTextAsync());

        // A reply type the endpoint does not send is plain JSON; a ValueTask<T> reply works the same.
        await socket.SendTextAsync("{\"id\":2}\n{\"type\":\"echoed\",\"text\":\"x\"}");
        Assert.Equal("{\"re\":2}\n{\"text\":\"x!\"}", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("{\"id\":9007199254740991}\n{\"type\":\"count\",\"value\":41}");
        Assert.Equal("{\"re\":9007199254740991}\n{\"value\":42}", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AHandlerWithoutAValueIsAcknowledgedWhenItReturns()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/bo"));
        await socket.SendTextAsync("{\"id\":4}\n{\"type\":\"note\",\"text\":\"n\"}");
        Assert.Equal("{\"re\":4}\n", await socket.ReceiveTextAsync());
        Assert.Equal(["note n"], server.Probe.EventsOf("bo"));

        // Without an id nothing is answered: the next message's answer is the next thing on the wire.
        await socket.SendTextAsync("\n{\"type\":\"note\",\"text\":\"quiet\"}");
        await socket.SendTextAsync("{\"id\":5}\n{\"type\":\"note\",\"text\":\"loud\"}");
        Assert.Equal("{\"re\":5}\n", await socket.ReceiveTextAsync());
        Assert.Equal(["note n", "note quiet", "note loud"], server.Probe.EventsOf("bo"));
    }

    [Fact]
    public async Task AThrowingHandlerRejectsTheRequestWithoutServerDetailsAndTheConnectionStays()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/cy"));
        await socket.SendTextAsync("{\"id\":1}\n{\"type\":\"fail\",\"onPurpose\":true}");
        Assert.Equal("{\"re\":1,\"error\":\"Room is full.\"}\n", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("{\"id\":2}\n{\"type\":\"fail\",\"onPurpose\":false}");
        var rejected = await socket.ReceiveTextAsync();
        Assert.Equal("{\"re\":2,\"error\":\"The server could not handle the request.\"}\n", rejected);
        Assert.DoesNotContain("secret", rejected);

        await socket.SendTextAsync("{\"id\":3}\n{\"type\":\"echoed\",\"text\":\"still here\"}");
        Assert.Equal("{\"re\":3}\n{\"text\":\"still here!\"}", await socket.ReceiveTextAsync());
        // OnError hears of the unexpected failure only: a WebSocketRequestException is the endpoint's answer.
        Assert.Equal(["error secret server detail"], server.Probe.EventsOf("cy"));
    }

    [Fact]
    public async Task AThrowingHandlerOfAMessageThatAskedForNoAnswerStillClosesWith1011()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/dee"));
        await socket.SendTextAsync("\n{\"type\":\"fail\",\"onPurpose\":false}");
        Assert.Equal(WebSocketCloseStatus.InternalServerError, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task APlainClientGetsAReturnedValueAsAnOrdinaryMessage()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/requests/eve"));
        await socket.SendTextAsync("{\"type\":\"join\",\"name\":\"eve\"}");
        Assert.Equal("{\"type\":\"note\",\"text\":\"welcome eve\"}", await socket.ReceiveTextAsync());
        Assert.Equal("{\"type\":\"joined\",\"name\":\"eve\",\"members\":3}", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task TheServerAsksTheClientAndGetsItsReplyOrItsRejection()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/fay"));
        for (var round = 1; round <= 2; round++)
        {
            await socket.SendTextAsync($"{{\"id\":{round}}}\n{{\"type\":\"quiz\",\"question\":\"q{round}?\",\"timeoutMs\":20000}}");
            // The acknowledgement and the server's request race (the request is made outside the callback).
            var received = new[] { await socket.ReceiveTextAsync(), await socket.ReceiveTextAsync() };
            Assert.Contains($"{{\"re\":{round}}}\n", received);
            var request = Assert.Single(received, m => m.StartsWith("{\"id\":", StringComparison.Ordinal));
            Assert.Equal($"{{\"id\":{round}}}\n{{\"type\":\"prompt\",\"question\":\"q{round}?\"}}", request);
            await socket.SendTextAsync(round == 1 ? "{\"re\":1}\n{\"ok\":true}" : "{\"re\":2,\"error\":\"nope\"}\n");
            Assert.Equal(round == 1 ? "\n{\"type\":\"note\",\"text\":\"answered True\"}" : "\n{\"type\":\"note\",\"text\":\"WebSocketRequestException: nope\"}",
                await socket.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task AServerRequestTimesOutAndALateAnswerIsDropped()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/gus"));
        await socket.SendTextAsync("\n{\"type\":\"quiz\",\"question\":\"q?\",\"timeoutMs\":100}");
        Assert.StartsWith("{\"id\":1}\n", await socket.ReceiveTextAsync());
        Assert.Equal("\n{\"type\":\"note\",\"text\":\"TimeoutException: The client did not answer the request in time.\"}", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("{\"re\":1}\n{\"ok\":true}");
        await socket.SendTextAsync("{\"id\":7}\n{\"type\":\"echoed\",\"text\":\"after\"}");
        Assert.Equal("{\"re\":7}\n{\"text\":\"after!\"}", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AServerRequestFailsWhenTheConnectionEndsBeforeTheAnswer()
    {
        await using var server = await TestServer.StartAsync();
        using (var socket = await ConnectV1Async(server.WebSocketUri("/requests/hal")))
        {
            await socket.SendTextAsync("\n{\"type\":\"quiz\",\"question\":\"q?\",\"timeoutMs\":60000}");
            Assert.StartsWith("{\"id\":1}\n", await socket.ReceiveTextAsync());
            socket.Abort();
        }
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("hal").Count > 0, "the request's outcome");
        Assert.Equal(["WebSocketRequestException: The connection ended before the reply arrived."], server.Probe.EventsOf("hal"));
    }

    [Fact]
    public async Task AServerRequestToAPlainClientFailsAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/requests/ida"));
        await socket.SendTextAsync("{\"type\":\"quiz\",\"question\":\"q?\",\"timeoutMs\":60000}");
        var note = await socket.ReceiveTextAsync();
        Assert.StartsWith("{\"type\":\"note\",\"text\":\"NotSupportedException: The client did not negotiate the endpoints.v1 subprotocol", note);
    }

    [Theory]
    [InlineData("no line feed at all")]
    [InlineData("{\"id\":\"one\"}\n{}")]
    [InlineData("{\"id\":0}\n{}")]
    [InlineData("{\"id\":9007199254740992}\n{}")]
    [InlineData("[1]\npayload")]
    [InlineData("{\"id\":1} trailing\npayload")]
    public async Task AMalformedHeaderClosesWith1002AndNothingMoreIsHandled(string message)
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests/jo"));
        await socket.SendTextAsync(message);
        await socket.SendTextAsync("{\"id\":2}\n{\"type\":\"note\",\"text\":\"after\"}");
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await socket.ReceiveCloseAsync());
        Assert.Empty(server.Probe.EventsOf("jo"));
    }

    [Fact]
    public async Task AHeaderLongerThanTheLimitClosesWith1002()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/echo"));
        await socket.SendTextAsync("{\"pad\":\"" + new string('a', 1100) + "\"}\nx");
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task AControlMessageOfALaterVersionIsIgnoredWhole()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/echo"));
        await socket.SendTextAsync("{\"k\":\"from-the-future\"}\nnot for OnText");
        await socket.SendTextAsync("\nafter");
        Assert.Equal("\nafter", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task AStreamedMessageHasItsHeaderReadOffBeforeTheCallbackReads()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await ConnectV1Async(server.WebSocketUri("/requests-streamed"));
        await socket.SendTextAsync("{\"id\":9}\nhello");
        Assert.Equal("\nread hello", await socket.ReceiveTextAsync());
        Assert.Equal("{\"re\":9}\n", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("no header");
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await socket.ReceiveCloseAsync());
    }
}
