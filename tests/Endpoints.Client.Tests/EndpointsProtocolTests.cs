using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Client.Tests;

/// <summary>The client's side of endpoints.v1 (docs/protocol.md), against <see cref="FakeEndpointsServer"/>.</summary>
public sealed class EndpointsProtocolTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _clock = new();
    private readonly ConcurrentQueue<ClientStateChange> _changes = new();

    [Fact]
    public async Task TheClientOffersEndpointsV1AndAnOrdinaryMessageCostsOneByte()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        Assert.Equal("endpoints.v1", server.OfferedProtocols);
        Assert.Equal(EndpointsClient.EndpointsSubProtocol, client.SubProtocol);

        await client.SendTextAsync("hi");
        await client.SendBinaryAsync(new byte[] { 1, 2, 10 });
        await client.SendAsync(new Move(3, 4), ClientJson.Default.Move, typeName: "move");
        await AssertReceived(server, WebSocketMessageType.Text, "\nhi"u8.ToArray());
        await AssertReceived(server, WebSocketMessageType.Binary, [10, 1, 2, 10]);
        await AssertReceived(server, WebSocketMessageType.Text, "\n{\"type\":\"move\",\"x\":3,\"y\":4}"u8.ToArray());

        // The server echoes each payload behind an empty header; the application gets the payloads only.
        var received = client.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("hi", await NextText(received));
        Assert.Equal([1, 2, 10], await NextBinary(received));
        Assert.Equal("""{"type":"move","x":3,"y":4}""", await NextText(received));
    }

    [Fact]
    public async Task ARequestCarriesAnIdAndCompletesWithTheDecodedReply()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));

        var total = await client.RequestAsync(new Add(2, 3), ProtocolJson.Default.Add, ProtocolJson.Default.Total, typeName: "add").WaitAsync(Wait);
        Assert.Equal(new Total(5), total);
        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":1}\n{\"type\":\"add\",\"a\":2,\"b\":3}"u8.ToArray());

        // Ids go up per client; the reply is the one to this request.
        Assert.Equal(new Total(40), await client.RequestAsync(new Add(30, 10), ProtocolJson.Default.Add, ProtocolJson.Default.Total, "add").WaitAsync(Wait));
        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":2}\n{\"type\":\"add\",\"a\":30,\"b\":10}"u8.ToArray());
    }

    [Fact]
    public async Task AnAcknowledgedSendCompletesWhenTheServerAnswers()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));

        await client.SendWithAckAsync(new Say("hello"), ProtocolJson.Default.Say, "say").WaitAsync(Wait);
        await client.SendTextWithAckAsync("plain words").WaitAsync(Wait);
        await client.SendBinaryWithAckAsync(new byte[] { 7 }).WaitAsync(Wait);

        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":1}\n{\"type\":\"say\",\"text\":\"hello\"}"u8.ToArray());
        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":2}\nplain words"u8.ToArray());
        await AssertReceived(server, WebSocketMessageType.Binary, [.. "{\"id\":3}\n"u8, 7]);
        // What the handler sent before it returned arrives too, without the answers among it.
        var received = client.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("""{"type":"say","text":"hello"}""", await NextText(received));
        Assert.Equal("plain words", await NextText(received));
    }

    [Fact]
    public async Task AnErrorAnswerFailsTheRequestWithTheServersTextAndTheConnectionStays()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));

        var error = await Assert.ThrowsAsync<EndpointsRequestException>(() => client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "reject").WaitAsync(Wait));
        Assert.Equal("Room is full.", error.Message);
        Assert.False(error.ConnectionLost);

        Assert.Equal(new Total(2), await client.RequestAsync(new Add(1, 1), ProtocolJson.Default.Add, ProtocolJson.Default.Total, "add").WaitAsync(Wait));
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task ARequestTimesOutOnTheClientsClock()
    {
        // Timeouts far beyond the test's own wait: only the fake clock can make them pass.
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"), o => o.RequestTimeout = TimeSpan.FromMinutes(10));

        var explicitTimeout = client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "hang", timeout: TimeSpan.FromHours(1));
        var defaultTimeout = client.SendWithAckAsync(new Say("y"), ProtocolJson.Default.Say, "hang");
        await server.NextReceivedAsync();
        await server.NextReceivedAsync();

        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.False(defaultTimeout.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => defaultTimeout.WaitAsync(Wait));
        Assert.Contains("request 2", error.Message);
        Assert.False(explicitTimeout.IsCompleted);
        _clock.Advance(TimeSpan.FromMinutes(50));
        await Assert.ThrowsAsync<TimeoutException>(() => explicitTimeout.WaitAsync(Wait));
        Assert.Equal(ClientState.Open, client.State);

        // A late answer to a request nobody waits for is dropped, not delivered.
        await server.SendRawAsync("{\"re\":1}\n{\"sum\":1}");
        await server.SendRawAsync("\nafter");
        Assert.Equal("after", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
    }

    [Fact]
    public async Task ARequestMadeWhileAwayWaitsInTheQueueAndItsTimeoutRunsFromTheCall()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = Client(server.Uri("/v1"));

        var expires = client.SendWithAckAsync(new Say("old"), ProtocolJson.Default.Say, "say", timeout: TimeSpan.FromHours(1));
        Assert.Equal(1, client.Queued);
        _clock.Advance(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<TimeoutException>(() => expires.WaitAsync(Wait));
        Assert.Equal(0, client.Queued); // taken back: it never reaches the server

        var waits = client.RequestAsync(new Add(4, 5), ProtocolJson.Default.Add, ProtocolJson.Default.Total, "add");
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(new Total(9), await waits.WaitAsync(Wait));
        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":2}\n{\"type\":\"add\",\"a\":4,\"b\":5}"u8.ToArray());
    }

    [Fact]
    public async Task WhenTheConnectionDropsAPendingRequestFailsAndIsNotSentAgain()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));

        var pending = client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "hang", timeout: Timeout.InfiniteTimeSpan);
        await server.NextReceivedAsync();
        await server.AbortAsync();
        var error = await Assert.ThrowsAsync<EndpointsRequestException>(() => pending.WaitAsync(Wait));
        Assert.True(error.ConnectionLost);
        Assert.Contains("may or may not have handled it", error.Message);

        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        await client.SendTextAsync("after");
        await AssertReceived(server, WebSocketMessageType.Text, "\nafter"u8.ToArray());
    }

    [Fact]
    public async Task CancellingARequestStopsItsWaitAndTakesItBackWhileQueued()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = Client(server.Uri("/v1"));

        using var queued = new CancellationTokenSource();
        var takenBack = client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "say", cancellationToken: queued.Token);
        Assert.Equal(1, client.Queued);
        queued.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => takenBack.WaitAsync(Wait));
        Assert.Equal(0, client.Queued);

        await client.StartAsync().WaitAsync(Wait);
        using var sent = new CancellationTokenSource();
        var pending = client.SendWithAckAsync(new Say("y"), ProtocolJson.Default.Say, "hang", cancellationToken: sent.Token);
        await AssertReceived(server, WebSocketMessageType.Text, "{\"id\":2}\n{\"type\":\"hang\",\"text\":\"y\"}"u8.ToArray());
        Assert.False(pending.IsCompleted);
        sent.Cancel();
        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Wait));
        Assert.Equal(sent.Token, canceled.CancellationToken);
        Assert.Equal(ClientState.Open, client.State);
    }

    [Fact]
    public async Task ClosingTheClientFailsItsUnansweredRequests()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        var client = await StartedClient(server.Uri("/v1"));
        var pending = client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "hang", timeout: Timeout.InfiniteTimeSpan);
        await server.NextReceivedAsync();

        await client.DisposeAsync();
        Assert.True((await Assert.ThrowsAsync<EndpointsRequestException>(() => pending.WaitAsync(Wait))).ConnectionLost);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendWithAckAsync(new Say("y"), ProtocolJson.Default.Say, "say"));
    }

    [Fact]
    public async Task APlainServerGetsPlainBytesAndRequestsFailSayingWhy()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/plain"));
        Assert.Equal("endpoints.v1", server.OfferedProtocols);
        Assert.Null(client.SubProtocol);

        await client.SendTextAsync("hi");
        await client.SendBinaryAsync(new byte[] { 10, 1 });
        await AssertReceived(server, WebSocketMessageType.Text, "hi"u8.ToArray());
        await AssertReceived(server, WebSocketMessageType.Binary, [10, 1]);
        var received = client.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("hi", await NextText(received));
        Assert.Equal([10, 1], await NextBinary(received));
        // What looks like a header is payload here: nothing is stripped.
        await server.SendRawAsync("{\"re\":1}\nnot an answer");
        Assert.Equal("{\"re\":1}\nnot an answer", await NextText(received));

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => client.RequestAsync(new Add(1, 2), ProtocolJson.Default.Add, ProtocolJson.Default.Total, "add"));
        Assert.Contains("did not pick the endpoints.v1 subprotocol", error.Message);
        await Assert.ThrowsAsync<NotSupportedException>(() => client.SendTextWithAckAsync("x"));
    }

    [Fact]
    public async Task ARequestQueuedForAServerThatTurnsOutPlainFailsSayingWhy()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = Client(server.Uri("/plain"));
        var queued = client.SendTextWithAckAsync("x");
        await client.StartAsync().WaitAsync(Wait);
        await Assert.ThrowsAsync<NotSupportedException>(() => queued.WaitAsync(Wait));
        await client.SendTextAsync("next");
        await AssertReceived(server, WebSocketMessageType.Text, "next"u8.ToArray()); // the request never went out
    }

    [Fact]
    public async Task TurnedOffNothingIsOfferedAndMessagesArePlain()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"), o => o.OfferEndpointsProtocol = false);
        Assert.Equal("", server.OfferedProtocols);
        Assert.Null(client.SubProtocol);
        await client.SendTextAsync("hi");
        await AssertReceived(server, WebSocketMessageType.Text, "hi"u8.ToArray());
        await Assert.ThrowsAsync<NotSupportedException>(() => client.SendTextWithAckAsync("x"));
    }

    [Fact]
    public async Task ASubprotocolTheUserOffersComesFirstAndWhenPickedMessagesArePlain()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"), o => o.ConfigureSocket = s => s.AddSubProtocol("chat.v2"));
        Assert.Equal("chat.v2, endpoints.v1", server.OfferedProtocols);
        Assert.Equal("chat.v2", client.SubProtocol);
        await client.SendTextAsync("hi");
        await AssertReceived(server, WebSocketMessageType.Text, "hi"u8.ToArray());
    }

    [Fact]
    public async Task ReceivedHeadersAreStrippedAndAnswersAndUnknownKindsAreNotDelivered()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));

        await server.SendRawAsync("\nplain");
        await server.SendRawAsync("{\"later\":[1,{\"x\":\"\\n\"}],\"error\":\"not an answer\"}\nunknown fields are ignored");
        await server.SendRawAsync("{\"k\":\"ping\"}\na control message of a later version");
        await server.SendRawAsync("{\"k\":\"ping\",\"id\":9}\nnot answered either");
        await server.SendRawAsync("{\"re\":999}\nan answer nobody waits for");
        await server.SendRawAsync("{\"re\":998,\"error\":\"late\"}\n");
        await server.SendRawAsync(WebSocketMessageType.Binary, [.. "{\"x\":1}\n"u8, 0, 10, 255]);
        await server.SendRawAsync("\n");
        await server.SendRawAsync("\n{\"x\":7,\"y\":8}");

        var received = client.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("plain", await NextText(received));
        Assert.Equal("unknown fields are ignored", await NextText(received));
        Assert.Equal([0, 10, 255], await NextBinary(received));
        Assert.Equal("", await NextText(received));
        Assert.Equal("""{"x":7,"y":8}""", await NextText(received));
        Assert.Equal(ClientState.Open, client.State);
        // The kind with an id was ignored as a whole: the client sent nothing back.
        await client.SendTextAsync("mine");
        await AssertReceived(server, WebSocketMessageType.Text, "\nmine"u8.ToArray());
    }

    [Fact]
    public async Task TypedReadsSeeThePayloadWithoutItsHeader()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        await server.SendRawAsync("{\"x\":0}\n{\"x\":7,\"y\":8}");
        var moves = client.ReadAllAsync(ClientJson.Default.Move).GetAsyncEnumerator();
        Assert.True(await moves.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(new Move(7, 8), moves.Current);
    }

    [Fact]
    public async Task TheServersRequestIsAnsweredByItsHandlerAndNotDelivered()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        client.OnRequest("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed,
            (confirm, _) => ValueTask.FromResult(new Confirmed(confirm.Question == "Leave?")));

        var answer = await server.RequestAsync("""{"type":"confirm","question":"Leave?"}""");
        Assert.Equal(WebSocketMessageType.Text, answer.Type);
        Assert.Equal("{\"re\":1}\n{\"ok\":true}", answer.Text);
        Assert.Equal("{\"re\":2}\n{\"ok\":false}", (await server.RequestAsync("""{"type":"confirm","question":"Stay?"}""")).Text);

        await server.SendRawAsync("\nafter");
        Assert.Equal("after", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
    }

    [Fact]
    public async Task AHandlerRunsOffTheReceiveLoopSoItMayAskTheServerInTurn()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        // Run on the receive loop, this handler would wait for an answer that loop can no longer read.
        client.OnRequest("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Total,
            (confirm, ct) => new ValueTask<Total>(client.RequestAsync(new Add(confirm.Question.Length, 1), ProtocolJson.Default.Add, ProtocolJson.Default.Total, "add", cancellationToken: ct)));

        Assert.Equal("{\"re\":1}\n{\"sum\":4}", (await server.RequestAsync("""{"type":"confirm","question":"abc"}""")).Text);
    }

    [Fact]
    public async Task AHandlersTokenIsCancelledWhenItsConnectionEndsAndNothingIsAnsweredOnTheNext()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var canceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var returned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnRequest<Confirm, Confirmed>("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed, async (_, ct) =>
        {
            using var registration = ct.Register(canceled.SetResult);
            started.SetResult();
            await release.Task;
            returned.SetResult();
            return new Confirmed(true); // too late: the connection that asked is gone
        });

        await server.SendRawAsync("{\"id\":1}\n{\"type\":\"confirm\",\"question\":\"?\"}");
        await started.Task.WaitAsync(Wait);
        await server.AbortAsync();
        await canceled.Task.WaitAsync(Wait);

        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        release.SetResult();
        await returned.Task.WaitAsync(Wait);
        await client.SendTextAsync("after");
        await AssertReceived(server, WebSocketMessageType.Text, "\nafter"u8.ToArray());
    }

    [Fact]
    public async Task AHandlerThatThrowsIsAnsweredWithItsMessageWithinTheHeadersLimit()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        client.OnRequest<Confirm, Confirmed>("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed,
            (confirm, _) => throw new InvalidOperationException(confirm.Question));

        Assert.Equal("{\"re\":1,\"error\":\"Not \\\"now\\\".\"}\n", (await server.RequestAsync("""{"type":"confirm","question":"Not \"now\"."}""")).Text);

        var longText = string.Concat(Enumerable.Repeat("é<", 2000));
        var answer = (await server.RequestAsync(JsonSerializer.Serialize(new Confirm(longText), ProtocolJson.Default.Confirm).Insert(1, "\"type\":\"confirm\","))).Data;
        var lf = Array.IndexOf(answer, (byte)'\n');
        Assert.InRange(lf, 1, 1024);
        Assert.Equal(lf + 1, answer.Length);
        using var header = JsonDocument.Parse(answer.AsMemory(0, lf));
        Assert.Equal(2, header.RootElement.GetProperty("re").GetInt64());
        var error = header.RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("é<é<", error, StringComparison.Ordinal);
        Assert.EndsWith("...", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestNoHandlerTakesIsAnsweredWithAnError()
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        var registration = client.OnRequest("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed,
            (_, _) => ValueTask.FromResult(new Confirmed(true)));

        Assert.Equal("{\"re\":1,\"error\":\"No handler for 'unknown'.\"}\n", (await server.RequestAsync("""{"type":"unknown"}""")).Text);
        Assert.Equal("{\"re\":2,\"error\":\"No handler for a request without 'type'.\"}\n", (await server.RequestAsync("""{"question":"?"}""")).Text);
        Assert.Throws<InvalidOperationException>(() => client.OnRequest("confirm", ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed,
            (_, _) => ValueTask.FromResult(new Confirmed(false))));

        registration.Dispose();
        Assert.Equal("{\"re\":3,\"error\":\"No handler for 'confirm'.\"}\n", (await server.RequestAsync("""{"type":"confirm","question":"?"}""")).Text);

        // A handler without a type name takes what carries none (an endpoint with one message type writes none).
        using var untyped = client.OnRequest(ProtocolJson.Default.Confirm, ProtocolJson.Default.Confirmed, (c, _) => ValueTask.FromResult(new Confirmed(c.Question == "?")));
        Assert.Equal("{\"re\":4}\n{\"ok\":true}", (await server.RequestAsync("""{"question":"?"}""")).Text);
    }

    [Theory]
    [InlineData("no line feed at all")]
    [InlineData("[1]\nnot an object")]
    [InlineData("{\"id\":\"7\"}\nan id that is not a number")]
    [InlineData("{\"re\":1.5}\nan answer to no integer")]
    [InlineData("{\"id\":0}\nan id out of range")]
    [InlineData("{\"a\":1} {}\ntwo values")]
    [InlineData("{\"a\":\nbroken JSON")]
    public async Task AMalformedHeaderClosesWith1002AndTheClientReconnects(string message)
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        await server.SendRawAsync(message);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await server.NextClientCloseAsync());
        await Until(() => _changes.Any(c => c is { State: ClientState.Reconnecting, Reason: "connection lost" }), "the client to treat it as a lost connection");
        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
    }

    [Theory]
    [InlineData(1024, true)]
    [InlineData(1025, false)]
    public async Task AHeaderMayTake1024BytesAndNoMore(int length, bool accepted)
    {
        await using var server = await FakeEndpointsServer.StartAsync();
        await using var client = await StartedClient(server.Uri("/v1"));
        var header = "{\"pad\":\"" + new string('x', length - 10) + "\"}";
        Assert.Equal(length, Encoding.UTF8.GetByteCount(header));
        await server.SendRawAsync(header + "\npayload");
        if (accepted)
        {
            Assert.Equal("payload", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        }
        else
        {
            Assert.Equal(WebSocketCloseStatus.ProtocolError, await server.NextClientCloseAsync());
        }
    }

    private EndpointsClient Client(Uri uri, Action<EndpointsClientOptions>? configure = null)
    {
        var options = new EndpointsClientOptions { TimeProvider = _clock };
        configure?.Invoke(options);
        var client = new EndpointsClient(uri, options);
        client.StateChanged += _changes.Enqueue;
        return client;
    }

    private async Task<EndpointsClient> StartedClient(Uri uri, Action<EndpointsClientOptions>? configure = null)
    {
        var client = Client(uri, configure);
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(ClientState.Open, client.State);
        return client;
    }

    private static async Task AssertReceived(FakeEndpointsServer server, WebSocketMessageType type, byte[] data)
    {
        var message = await server.NextReceivedAsync();
        Assert.Equal(type, message.Type);
        Assert.Equal(Encoding.UTF8.GetString(data), message.Text);
        Assert.Equal(data, message.Data);
    }

    private static async Task<string> NextText(IAsyncEnumerator<ClientMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        Assert.Equal(WebSocketMessageType.Text, messages.Current.MessageType);
        return messages.Current.Text;
    }

    private static async Task<byte[]> NextBinary(IAsyncEnumerator<ClientMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        Assert.Equal(WebSocketMessageType.Binary, messages.Current.MessageType);
        return messages.Current.Data.ToArray();
    }

    /// <summary>Waits for a condition; with <paramref name="advance"/>, moves the fake clock along meanwhile so backoff waits pass.</summary>
    private Task Until(Func<bool> condition, string what, bool advance = false)
        => Eventually.WaitUntilAsync(condition, what, (int)Wait.TotalSeconds, advance ? () => _clock.Advance(TimeSpan.FromMilliseconds(100)) : null,
            () => "states: " + string.Join(", ", _changes.Select(c => c.State)));
}

public sealed record Add(int A, int B);

public sealed record Total(int Sum);

public sealed record Say(string Text);

public sealed record Confirm(string Question);

public sealed record Confirmed(bool Ok);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Add))]
[JsonSerializable(typeof(Total))]
[JsonSerializable(typeof(Say))]
[JsonSerializable(typeof(Confirm))]
[JsonSerializable(typeof(Confirmed))]
internal sealed partial class ProtocolJson : JsonSerializerContext;
