using System.Collections.Concurrent;
using System.Net.WebSockets;
using Endpoints.Client;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Endpoints.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// The .NET client (<see cref="EndpointsClient"/>) against the real server: a resumable endpoint across a dropped
/// connection, and request/reply both ways (docs/protocol.md).
/// </summary>
public sealed class DotNetClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AClientThatDropsComesBackWithWhatItMissedInOrderOnceAndWhatItSentIsHandledOnce()
    {
        // Each client's latest request (its WebSocket connection), so that the test can cut it as a network failure would.
        var requests = new ConcurrentDictionary<string, HttpContext>(StringComparer.Ordinal);
        await using var server = await TestServer.StartAsync(map: app =>
        {
            app.Use((context, next) =>
            {
                if (context.Request.Query["who"].ToString() is { Length: > 0 } who) requests[who] = context;
                return next(context);
            });
            app.MapWebSocketEndpoints();
        });
        // Ann's backoff runs on a fake clock: she stays away until the test lets her come back.
        var clock = new FakeTimeProvider();
        var gaps = new ConcurrentQueue<StreamGap>();
        var unconfirmed = new ConcurrentQueue<UnconfirmedMessages>();
        await using var ann = Client(server, "ann", clock);
        ann.Gap += gaps.Enqueue;
        ann.Unconfirmed += unconfirmed.Enqueue;
        await using var bob = Client(server, "bob", TimeProvider.System);
        await ann.StartAsync().WaitAsync(Wait);
        await bob.StartAsync().WaitAsync(Wait);
        Assert.Equal(ClientState.Open, ann.State);
        Assert.NotNull(ann.Session);
        Assert.False(ann.Resumed);
        await Eventually.WaitUntilAsync(() => ann.Positions.ContainsKey("g:e2e") && bob.Positions.ContainsKey("g:e2e"), "both in the room");

        var annReads = ann.ReadAllAsync().GetAsyncEnumerator();
        var bobReads = bob.ReadAllAsync().GetAsyncEnumerator();
        await bob.SendTextAsync("say one");
        Assert.Equal("one", await NextText(annReads));
        Assert.Equal("one", await NextText(bobReads));
        await ann.SendTextAsync("note before");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("e2e").Contains("handled note before"), "ann's note");

        // Sent and cut at once: the server may or may not have it. Either way it is handled once.
        await ann.SendTextAsync("note racing");
        requests["ann"].Abort();
        await Eventually.WaitUntilAsync(() => ann.State == ClientState.Reconnecting, "ann to notice the drop");
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/e2e"), "ann's connection to end on the server");

        foreach (var line in new[] { "two", "three" })
        {
            await bob.SendTextAsync("say " + line);
            Assert.Equal(line, await NextText(bobReads));
        }
        await ann.SendTextAsync("note away");
        await ann.SendTextAsync("say four");
        Assert.Equal(2, ann.Queued);

        await Eventually.WaitUntilAsync(() => ann.State == ClientState.Open, "ann to come back", eachTry: () => clock.Advance(TimeSpan.FromMilliseconds(100)));
        Assert.True(ann.Resumed);
        // What the room said while she was away, replayed in order, then what she said herself once back.
        Assert.Equal("two", await NextText(annReads));
        Assert.Equal("three", await NextText(annReads));
        Assert.Equal("four", await NextText(annReads));
        await bob.SendTextAsync("say five");
        Assert.Equal("five", await NextText(annReads)); // nothing twice in between
        await ann.SendTextAsync("note marker");
        await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("e2e").Contains("handled note marker"), "the marker");

        var events = server.Probe.EventsOf("e2e");
        Assert.Equal(["ann fresh", "ann resumed"], events.Where(e => e.StartsWith("ann", StringComparison.Ordinal)));
        foreach (var note in new[] { "before", "racing", "away", "marker" })
        {
            Assert.True(events.Count(e => e == "handled note " + note) == 1, $"'{note}' handled {events.Count(e => e == "handled note " + note)} times: {string.Join(", ", events)}");
        }
        Assert.Empty(gaps);
        Assert.Empty(unconfirmed);
    }

    [Fact]
    public async Task RequestsAcknowledgementsErrorsAndTheServersOwnRequestsWork()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = new EndpointsClient(server.WebSocketUri("/requests/dotnet"));
        using var prompt = client.OnRequest("prompt", RequestJson.Default.Prompt, RequestJson.Default.Answer,
            (question, _) => ValueTask.FromResult(new Answer(question.Question == "Sure?")));
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(EndpointsClient.EndpointsSubProtocol, client.SubProtocol);
        Assert.Null(client.Session); // welcomed without a session: the endpoint is not resumable
        var reads = client.ReadAllAsync().GetAsyncEnumerator();

        var joined = await client.RequestAsync(new Join("ann"), RequestJson.Default.Join, RequestJson.Default.Joined, typeName: "join").WaitAsync(Wait);
        Assert.Equal(new Joined("ann", 3), joined);
        Assert.Equal("""{"type":"note","text":"welcome ann"}""", await NextText(reads)); // sent before the reply
        Assert.Equal(new Count(42), await client.RequestAsync(new Count(41), RequestJson.Default.Count, RequestJson.Default.Count, "count").WaitAsync(Wait));

        await client.SendWithAckAsync(new Note("hi"), RequestJson.Default.Note, "note").WaitAsync(Wait);
        Assert.Contains("note hi", server.Probe.EventsOf("dotnet")); // handled by the time it was acknowledged

        var rejected = await Assert.ThrowsAsync<EndpointsRequestException>(() => client.SendWithAckAsync(new Fail(true), RequestJson.Default.Fail, "fail").WaitAsync(Wait));
        Assert.Equal("Room is full.", rejected.Message);
        Assert.False(rejected.ConnectionLost);
        var failed = await Assert.ThrowsAsync<EndpointsRequestException>(() => client.SendWithAckAsync(new Fail(false), RequestJson.Default.Fail, "fail").WaitAsync(Wait));
        Assert.Equal("The server could not handle the request.", failed.Message);

        // The server asks; the handler answers; the server tells what came of it.
        await client.SendAsync(new Quiz("Sure?", 20_000), RequestJson.Default.Quiz, "quiz");
        Assert.Equal("""{"type":"note","text":"answered True"}""", await NextText(reads));
        Assert.Contains("answered True", server.Probe.EventsOf("dotnet"));
        Assert.Equal(ClientState.Open, client.State);
    }

    private static EndpointsClient Client(TestServer server, string user, TimeProvider clock) => new(server.WebSocketUri("/resume/e2e?who=" + user), new EndpointsClientOptions
    {
        TimeProvider = clock,
        Random = () => 0.5,
        // The test moves a fake clock along while Ann comes back: her welcome must not time out meanwhile.
        WelcomeTimeout = TimeSpan.FromMinutes(1),
        ConfigureSocket = socket => socket.SetRequestHeader("Authorization", "Bearer " + user),
    });

    private static async Task<string> NextText(IAsyncEnumerator<ClientMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        Assert.Equal(WebSocketMessageType.Text, messages.Current.MessageType);
        return messages.Current.Text;
    }
}
