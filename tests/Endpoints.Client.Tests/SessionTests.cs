using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Client.Tests;

/// <summary>
/// The client's side of sessions and resumable delivery (docs/protocol.md), against <see cref="FakeEndpointsServer"/>:
/// hello and welcome, numbering and resending what the server lacks, positions, subscriptions and gaps.
/// </summary>
public sealed class SessionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _clock = new();
    private readonly ConcurrentQueue<ClientStateChange> _changes = new();
    private readonly ConcurrentQueue<UnconfirmedMessages> _unconfirmed = new();
    private readonly ConcurrentQueue<StreamGap> _gaps = new();

    [Fact]
    public async Task TheHelloGoesFirstAndSendsWaitInTheQueueForTheWelcome()
    {
        await using var server = await Server();
        server.Welcome = _ => null; // held back: the test sends it
        await using var client = Client(server.Uri("/v1"));
        await client.SendTextAsync("early");
        var started = client.StartAsync();

        Assert.Equal("{\"k\":\"hello\"}\n{}", (await server.NextReceivedAsync(withHello: true)).Text);
        await client.SendTextAsync("while waiting");
        Assert.Equal(ClientState.Connecting, client.State);
        Assert.Equal(2, client.Queued);
        Assert.Null(client.Session);

        await server.SendRawAsync(Welcome("tok-1"));
        await started.WaitAsync(Wait);
        Assert.Equal(ClientState.Open, client.State);
        // Numbered at the welcome, not when queued: the welcome said there is a session.
        await AssertReceived(server, "{\"n\":1}\nearly");
        await AssertReceived(server, "{\"n\":2}\nwhile waiting");
        Assert.Equal("tok-1", client.Session);
        Assert.False(client.Resumed);
    }

    [Fact]
    public async Task AfterAReconnectTheHelloPresentsTheSessionAndTheLastPositionOfEachStream()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        Assert.Equal("{}", (await server.NextHelloAsync()).ToJsonString());
        Assert.Equal("tok-1", client.Session);

        var received = client.ReadAllAsync().GetAsyncEnumerator();
        await server.SendRawAsync("{\"s\":\"a\",\"e\":\"E1\",\"o\":5}\none");
        await server.SendRawAsync("{\"s\":\"g:lobby\",\"e\":\"E2\",\"o\":9}\ntwo");
        await server.SendRawAsync("{\"s\":\"a\",\"e\":\"E1\",\"o\":12}\nthree");
        Assert.Equal(new[] { "one", "two", "three" }, new[] { await NextText(received), await NextText(received), await NextText(received) });
        Assert.Equal(new Dictionary<string, StreamPosition> { ["a"] = new("E1", 12), ["g:lobby"] = new("E2", 9) }, client.Positions);

        await Reconnect(server, client);
        var hello = await server.NextHelloAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"session":"tok-1","positions":{"a":{"e":"E1","o":12},"g:lobby":{"e":"E2","o":9}}}"""), hello), hello.ToJsonString());
        Assert.True(client.Resumed);
        Assert.Equal("tok-1", client.Session);
    }

    [Fact]
    public async Task AResumedSessionSendsAgainInOrderWhatTheServerHadNotHandledBeforeAnythingNewButNeverARequest()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await client.SendTextAsync("m1");
        await client.SendAsync(new Move(1, 2), ClientJson.Default.Move, "move");
        var request = client.SendWithAckAsync(new Say("x"), ProtocolJson.Default.Say, "hang", timeout: Timeout.InfiniteTimeSpan);
        await client.SendTextAsync("{\"a\":1}");
        await client.SendBinaryAsync(new byte[] { 7 });
        await AssertReceived(server, "{\"n\":1}\nm1");
        await AssertReceived(server, "{\"n\":2}\n{\"type\":\"move\",\"x\":1,\"y\":2}");
        await AssertReceived(server, "{\"id\":1,\"n\":3}\n{\"type\":\"hang\",\"text\":\"x\"}");
        await AssertReceived(server, "{\"n\":4}\n{\"a\":1}");
        await AssertReceived(server, [.. "{\"n\":5}\n"u8, 7], WebSocketMessageType.Binary);

        // The server says it handled only up to 2 (the others were in flight when the connection dropped).
        server.Welcome = _ => """{"resumable":true,"session":"tok-1","resumed":true,"received":2}""";
        await server.AbortAsync();
        Assert.True((await Assert.ThrowsAsync<EndpointsRequestException>(() => request.WaitAsync(Wait))).ConnectionLost);
        await Until(() => client.State == ClientState.Reconnecting, "the drop to be noticed");
        await client.SendTextAsync("away");
        var sentOnOpen = 0;
        client.StateChanged += change =>
        {
            if (change.State == ClientState.Open && Interlocked.Increment(ref sentOnOpen) == 1) _ = client.SendTextAsync("on open");
        };
        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        Assert.True(client.Resumed);
        await AssertReceived(server, "{\"n\":4}\n{\"a\":1}");
        await AssertReceived(server, [.. "{\"n\":5}\n"u8, 7], WebSocketMessageType.Binary);
        await AssertReceived(server, "{\"n\":6}\naway");
        await AssertReceived(server, "{\"n\":7}\non open");

        // Confirmed up to 6: only 7 goes again, then what is new.
        server.Welcome = _ => """{"resumable":true,"session":"tok-1","resumed":true,"received":6}""";
        await Reconnect(server, client);
        await client.SendTextAsync("next");
        await AssertReceived(server, "{\"n\":7}\non open");
        await AssertReceived(server, "{\"n\":8}\nnext");
        Assert.Empty(_unconfirmed);
    }

    [Fact]
    public async Task WhatWasSentBeforeAndWhileAwayIsHandledOnce()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await client.SendTextAsync("before");
        await AssertReceived(server, "{\"n\":1}\nbefore");

        await server.AbortAsync();
        await Until(() => client.State == ClientState.Reconnecting, "the drop to be noticed");
        await client.SendTextAsync("away");
        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        // The welcome confirmed 1: it is not sent again.
        await AssertReceived(server, "{\"n\":2}\naway");
        await client.SendTextAsync("after");
        await AssertReceived(server, "{\"n\":3}\nafter");
        Assert.Equal(["before", "away", "after"], server.Handled);
    }

    [Fact]
    public async Task ANewSessionRestartsTheNumbersForgetsThePositionsAndReportsWhatItHeldInsteadOfResendingIt()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await client.SendTextAsync("a");
        await client.SendTextAsync("b");
        await AssertReceived(server, "{\"n\":1}\na");
        await AssertReceived(server, "{\"n\":2}\nb");
        await Reconnect(server, client);
        await client.SendTextAsync("c");
        await AssertReceived(server, "{\"n\":3}\nc");
        await server.SendRawAsync("{\"s\":\"s:1\",\"e\":\"E\",\"o\":4}\nmine");
        Assert.Equal("mine", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));

        // The session expired: "c" may or may not have been handled; it is reported, not sent again.
        server.ExpireSession();
        await Reconnect(server, client);
        await server.NextHelloAsync();
        await server.NextHelloAsync();
        var presented = await server.NextHelloAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"session":"tok-1","positions":{"s:1":{"e":"E","o":4}}}"""), presented), presented.ToJsonString());
        var report = Assert.Single(_unconfirmed);
        Assert.Equal(UnconfirmedReason.SessionLost, report.Reason);
        Assert.Equal(1, report.Count);
        Assert.Equal("c", Assert.Single(report.Messages).Text);
        Assert.Equal("tok-2", client.Session);
        Assert.False(client.Resumed);
        Assert.Empty(client.Positions);

        await client.SendTextAsync("d");
        await AssertReceived(server, "{\"n\":1}\nd");
    }

    [Fact]
    public async Task TheResendBufferKeepsTheQueuesCapacityAndWhatItLetGoUnhandledIsReported()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"), o => o.QueueCapacity = 2);
        for (var i = 1; i <= 5; i++) await client.SendTextAsync("m" + i);
        for (var i = 1; i <= 5; i++) await AssertReceived(server, $"{{\"n\":{i}}}\nm{i}");
        Assert.Empty(_unconfirmed); // a full buffer on a healthy connection is no loss yet

        server.Welcome = _ => """{"resumable":true,"session":"tok-1","resumed":true,"received":2}""";
        await Reconnect(server, client);
        var overflow = Assert.Single(_unconfirmed); // m3
        Assert.Equal((UnconfirmedReason.Overflow, (int?)1), (overflow.Reason, overflow.Count));
        Assert.Empty(overflow.Messages);
        await AssertReceived(server, "{\"n\":4}\nm4");
        await AssertReceived(server, "{\"n\":5}\nm5");

        // More let go than the client remembers the numbers of: the count is unknown.
        for (var i = 6; i <= 10; i++) await client.SendTextAsync("m" + i);
        for (var i = 6; i <= 10; i++) await AssertReceived(server, $"{{\"n\":{i}}}\nm{i}");
        server.Welcome = _ => """{"resumable":true,"session":"tok-1","resumed":true,"received":5}""";
        await Reconnect(server, client);
        Assert.Equal(2, _unconfirmed.Count);
        Assert.Equal((UnconfirmedReason.Overflow, (int?)null), (_unconfirmed.Last().Reason, _unconfirmed.Last().Count));
        await AssertReceived(server, "{\"n\":9}\nm9");
        await AssertReceived(server, "{\"n\":10}\nm10");

        // All handled: nothing to report or send again.
        server.Welcome = _ => """{"resumable":true,"session":"tok-1","resumed":true,"received":10}""";
        await Reconnect(server, client);
        await client.SendTextAsync("m11");
        await AssertReceived(server, "{\"n\":11}\nm11");
        Assert.Equal(2, _unconfirmed.Count);
    }

    [Fact]
    public async Task AMessageAlreadyReceivedIsDroppedAndAnotherEpochIsTaken()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        foreach (var message in new[]
        {
            "{\"s\":\"a\",\"e\":\"E1\",\"o\":5}\n5",
            "{\"s\":\"a\",\"e\":\"E1\",\"o\":5}\n5 again",
            "{\"s\":\"a\",\"e\":\"E1\",\"o\":3}\n3",
            "{\"s\":\"g:x\",\"e\":\"E1\",\"o\":3}\n3 of another stream",
            "{\"s\":\"a\",\"e\":\"E1\",\"o\":8}\n8",
            "{\"s\":\"a\",\"e\":\"E0\",\"o\":2}\n2 of a new epoch",
            "{\"s\":\"a\",\"e\":\"E0\",\"o\":2}\n2 again",
            "{\"s\":\"a\",\"e\":\"E0\",\"o\":1}\n1 of the new epoch",
            "\nno position",
        })
        {
            await server.SendRawAsync(message);
        }
        await server.SendRawAsync(WebSocketMessageType.Binary, [.. "{\"s\":\"a\",\"e\":\"E0\",\"o\":2}\n"u8, 1]);
        await server.SendRawAsync(WebSocketMessageType.Binary, [.. "{\"s\":\"a\",\"e\":\"E0\",\"o\":3}\n"u8, 2]);

        var received = client.ReadAllAsync().GetAsyncEnumerator();
        foreach (var expected in new[] { "5", "3 of another stream", "8", "2 of a new epoch", "no position" }) Assert.Equal(expected, await NextText(received));
        Assert.True(await received.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal([2], received.Current.Data.ToArray());
        Assert.Equal(new Dictionary<string, StreamPosition> { ["a"] = new("E0", 3), ["g:x"] = new("E1", 3) }, client.Positions);
    }

    [Fact]
    public async Task ASubscriptionSetsTheStreamsPositionAndIsNotAMessage()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await server.SendRawAsync("{\"k\":\"sub\"}\n{\"s\":\"g:quiet\",\"e\":\"E1\",\"o\":12}");
        await server.SendRawAsync("{\"k\":\"sub\"}\n{\"s\":\"a\",\"e\":\"E1\",\"o\":0}");
        await server.SendRawAsync("{\"s\":\"g:quiet\",\"e\":\"E1\",\"o\":12}\nseen already");
        await server.SendRawAsync("{\"s\":\"g:quiet\",\"e\":\"E1\",\"o\":13}\nnew");
        // Not behind the one it has: a subscription only moves a position on, as a message does.
        await server.SendRawAsync("{\"k\":\"sub\"}\n{\"s\":\"g:quiet\",\"e\":\"E1\",\"o\":10}");

        Assert.Equal("new", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        await server.SendRawAsync("\nafter");
        Assert.Equal("after", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        Assert.Equal(new Dictionary<string, StreamPosition> { ["g:quiet"] = new("E1", 13), ["a"] = new("E1", 0) }, client.Positions);

        // The position of a stream that never sent anything is presented too.
        await Reconnect(server, client);
        await server.NextHelloAsync();
        var hello = await server.NextHelloAsync();
        Assert.Equal(0, hello["positions"]!["a"]!["o"]!.GetValue<long>());
    }

    [Fact]
    public async Task AGapIsRaisedWithItsCountOrNullAndIsNotAMessage()
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await server.SendRawAsync("{\"k\":\"gap\"}\n{\"s\":\"g:lobby\",\"e\":\"E1\",\"o\":40,\"count\":3}");
        await server.SendRawAsync("{\"k\":\"gap\"}\n{\"s\":\"a\",\"e\":\"E2\",\"o\":0}");
        await server.SendRawAsync("\nafter");

        Assert.Equal("after", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        Assert.Equal(new[] { new StreamGap("g:lobby", "E1", 40, 3), new StreamGap("a", "E2", 0, null) }, _gaps);
        Assert.Equal(ClientState.Open, client.State);
        Assert.Empty(client.Positions); // a gap reports a position the client presented; it moves nothing
    }

    [Fact]
    public async Task AWelcomeWithoutASessionKeepsTodaysBytesNothingNumberedKeptOrSentAgain()
    {
        await using var server = await Server();
        await using var client = Client(server.Uri("/v1"));
        await client.SendTextAsync("q");
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal("{\"k\":\"hello\"}\n{}", (await server.NextReceivedAsync(withHello: true)).Text);
        await AssertReceived(server, "\nq");
        await client.SendTextAsync("a");
        await client.SendTextWithAckAsync("acknowledged").WaitAsync(Wait);
        await client.SendBinaryAsync(new byte[] { 1 });
        await AssertReceived(server, "\na");
        await AssertReceived(server, "{\"id\":1}\nacknowledged");
        await AssertReceived(server, [10, 1], WebSocketMessageType.Binary);
        Assert.Null(client.Session);
        Assert.False(client.Resumed);

        await Reconnect(server, client);
        Assert.Equal("{\"k\":\"hello\"}\n{}", (await server.NextReceivedAsync(withHello: true)).Text);
        await client.SendTextAsync("after");
        await AssertReceived(server, "\nafter");
        Assert.Empty(_unconfirmed);
    }

    [Fact]
    public async Task AServerThatNeverWelcomesDoesNotHoldTheSendsBackForLongerThanTheWelcomeTimeout()
    {
        await using var server = await Server();
        server.Welcome = _ => null;
        await using var client = Client(server.Uri("/v1"), o => o.WelcomeTimeout = new EndpointsClientOptions().WelcomeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), new EndpointsClientOptions().WelcomeTimeout);
        await client.SendTextAsync("a");
        var started = client.StartAsync();
        await server.NextHelloAsync();

        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ClientState.Connecting, client.State);
        Assert.Equal(1, client.Queued);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await started.WaitAsync(Wait);
        Assert.Equal(ClientState.Open, client.State);
        await AssertReceived(server, "\na");

        // A welcome after the timeout comes too late to number what already went out: ignored.
        await server.SendRawAsync(Welcome("late"));
        await server.SendRawAsync("\nafter the late welcome");
        Assert.Equal("after the late welcome", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        await client.SendTextAsync("b");
        await AssertReceived(server, "\nb");
        Assert.Null(client.Session);
    }

    [Fact]
    public async Task AServerThatDoesNotPickEndpointsV1GetsNoHelloAndTheConnectionOpensAtOnce()
    {
        await using var server = await Server();
        await using var client = Client(server.Uri("/plain"), o => o.WelcomeTimeout = Timeout.InfiniteTimeSpan);
        await client.SendTextAsync("queued");
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(ClientState.Open, client.State);
        Assert.Equal("queued", (await server.NextReceivedAsync(withHello: true)).Text);
    }

    [Theory]
    [InlineData("{\"k\":\"welcome\"}\nnot JSON")]
    [InlineData("{\"k\":\"welcome\"}\n{}")]
    [InlineData("{\"k\":\"welcome\"}\n{\"resumable\":\"yes\"}")]
    [InlineData("{\"k\":\"welcome\"}\n{\"resumable\":true,\"resumed\":false,\"received\":0}")]
    [InlineData("{\"k\":\"welcome\"}\n{\"resumable\":true,\"session\":\"\",\"resumed\":false,\"received\":0}")]
    [InlineData("{\"k\":\"welcome\"}\n{\"resumable\":true,\"session\":\"t\",\"resumed\":true,\"received\":\"2\"}")]
    [InlineData("{\"k\":\"welcome\"}\n{\"resumable\":true,\"session\":\"t\",\"resumed\":true,\"received\":-1}")]
    public async Task AMalformedWelcomeClosesWith1002AndTheClientReconnects(string welcome)
    {
        await using var server = await Server();
        server.Welcome = _ => null;
        await using var client = Client(server.Uri("/v1"));
        await client.SendTextAsync("a");
        _ = client.StartAsync();
        await server.NextHelloAsync();
        await server.SendRawAsync(welcome);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await server.NextClientCloseAsync());

        server.Welcome = null;
        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        await AssertReceived(server, "\na"); // sent once, on the connection that was welcomed
        Assert.Null(client.Session);
    }

    [Theory]
    [InlineData("{\"k\":\"sub\"}\n{\"s\":\"a\",\"o\":1}")]
    [InlineData("{\"k\":\"sub\"}\n{\"s\":\"a\",\"e\":\"E\",\"o\":\"1\"}")]
    [InlineData("{\"k\":\"sub\"}\nnot JSON")]
    [InlineData("{\"k\":\"gap\"}\nnot JSON")]
    [InlineData("{\"k\":\"gap\"}\n{\"e\":\"E\",\"o\":1}")]
    [InlineData("{\"k\":\"gap\"}\n{\"s\":\"a\",\"e\":\"E\",\"o\":1,\"count\":-1}")]
    [InlineData("{\"k\":\"gap\"}\n{\"s\":\"a\",\"e\":\"E\",\"o\":1,\"count\":null}")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\"}\na position without its offset")]
    [InlineData("{\"s\":\"a\",\"e\":\"E\",\"o\":-4}\na negative offset")]
    [InlineData("{\"k\":7}\na kind that is not a string")]
    public async Task AMalformedSubscriptionGapOrPositionClosesWith1002AndTheClientReconnects(string message)
    {
        await using var server = await Server();
        server.Resumable = true;
        await using var client = await StartedClient(server.Uri("/v1"));
        await server.SendRawAsync(message);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await server.NextClientCloseAsync());
        await Until(() => client.State == ClientState.Open && server.Connections == 2, "the reconnect", advance: true);
        Assert.Empty(_gaps);
        Assert.Empty(client.Positions);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void AWelcomeTimeoutMustBePositive(int milliseconds)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new EndpointsClient(new Uri("ws://localhost/x"),
            new EndpointsClientOptions { WelcomeTimeout = TimeSpan.FromMilliseconds(milliseconds) }));

    /// <summary>The fake server, echoing nothing: what the client reads is what the test sends it.</summary>
    private static async Task<FakeEndpointsServer> Server()
    {
        var server = await FakeEndpointsServer.StartAsync();
        server.Echo = false;
        return server;
    }

    private static string Welcome(string session, bool resumed = false, long received = 0)
        => $"{{\"k\":\"welcome\"}}\n{{\"resumable\":true,\"session\":\"{session}\",\"resumed\":{(resumed ? "true" : "false")},\"received\":{received}}}";

    private EndpointsClient Client(Uri uri, Action<EndpointsClientOptions>? configure = null)
    {
        // The backoff waits half its ceiling (the fake clock must move for it); no welcome times out while the clock moves for that.
        var options = new EndpointsClientOptions { TimeProvider = _clock, Random = () => 0.5, WelcomeTimeout = TimeSpan.FromHours(1) };
        configure?.Invoke(options);
        var client = new EndpointsClient(uri, options);
        client.StateChanged += _changes.Enqueue;
        client.Unconfirmed += _unconfirmed.Enqueue;
        client.Gap += _gaps.Enqueue;
        return client;
    }

    private async Task<EndpointsClient> StartedClient(Uri uri, Action<EndpointsClientOptions>? configure = null)
    {
        var client = Client(uri, configure);
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(ClientState.Open, client.State);
        return client;
    }

    /// <summary>Drops the connection as a network failure would, and waits until the client has a new one open.</summary>
    private async Task Reconnect(FakeEndpointsServer server, EndpointsClient client)
    {
        var connections = server.Connections;
        var opened = _changes.Count(c => c.State == ClientState.Open);
        await server.AbortAsync();
        await Until(() => server.Connections > connections && _changes.Count(c => c.State == ClientState.Open) > opened, "the reconnect", advance: true);
    }

    private static Task AssertReceived(FakeEndpointsServer server, string text) => AssertReceived(server, Encoding.UTF8.GetBytes(text));

    private static async Task AssertReceived(FakeEndpointsServer server, byte[] data, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        var message = await server.NextReceivedAsync();
        Assert.Equal(Encoding.UTF8.GetString(data), message.Text);
        Assert.Equal(type, message.Type);
        Assert.Equal(data, message.Data);
    }

    private static async Task<string> NextText(IAsyncEnumerator<ClientMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        Assert.Equal(WebSocketMessageType.Text, messages.Current.MessageType);
        return messages.Current.Text;
    }

    /// <summary>Waits for a condition; with <paramref name="advance"/>, moves the fake clock along meanwhile so backoff waits pass.</summary>
    private Task Until(Func<bool> condition, string what, bool advance = false)
        => Eventually.WaitUntilAsync(condition, what, (int)Wait.TotalSeconds, advance ? () => _clock.Advance(TimeSpan.FromMilliseconds(100)) : null,
            () => "states: " + string.Join(", ", _changes.Select(c => c.State)));
}
