using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// Resumable delivery on one server (docs/protocol.md): sessions, numbered streams, replay in order after a reconnect,
/// gaps reported, tokens bound to their user, and client messages handled once.
/// </summary>
public sealed class ResumableDeliveryTests
{
    [Fact]
    public async Task AFreshSessionIsWelcomedAndEveryStreamMessageCarriesItsPosition()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "ann");
        var welcome = await ann.HelloAsync();
        Assert.True(welcome["resumable"]!.GetValue<bool>());
        Assert.False(welcome["resumed"]!.GetValue<bool>());
        Assert.Equal(0, welcome["received"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(welcome["session"]!.GetValue<string>()));
        await ann.ReceiveUntilSubscribedAsync("a", "u:ann", "g:lobby");
        Assert.Contains(ann.Positions.Keys, k => k.StartsWith("s:", StringComparison.Ordinal));

        await ann.SendAsync("say hello");
        var (header, payload) = await ann.ReceiveAsync();
        Assert.Equal("hello", payload);
        Assert.Equal("g:lobby", header!["s"]!.GetValue<string>());
        Assert.Equal(1, header["o"]!.GetValue<long>());
        await ann.SendAsync("me mine");
        (header, payload) = await ann.ReceiveAsync();
        Assert.Equal("mine", payload);
        Assert.StartsWith("s:", header!["s"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["ann fresh"], server.Probe.EventsOf("lobby"));
    }

    [Fact]
    public async Task AClientThatComesBackGetsWhatItMissedInOrderBeforeLiveMessagesAndNothingTwice()
    {
        await using var server = await TestServer.StartAsync();
        using var bob = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "bob");
        await bob.HelloAsync();
        await bob.ReceiveUntilSubscribedAsync("a", "u:bob", "g:lobby");

        string session;
        Dictionary<string, (string, long)> positions;
        using (var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "ann"))
        {
            session = (await ann.HelloAsync())["session"]!.GetValue<string>();
            await ann.ReceiveUntilSubscribedAsync("a", "u:ann", "g:lobby");
            await bob.SendAsync("say one");
            Assert.Equal(["one"], await ann.ReceiveTextsAsync(1));
            positions = new(ann.Positions);
            ann.Socket.Abort();
        }
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/resume/lobby"), "ann's connection to end");

        foreach (var line in new[] { "two", "three", "four" }) await bob.SendAsync("say " + line);
        Assert.Equal(["one", "two", "three", "four"], await bob.ReceiveTextsAsync(4));
        await bob.SendAsync("user ann for ann only");

        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/lobby"), "ann");
        var welcome = await back.HelloAsync(session, positions);
        Assert.True(welcome["resumed"]!.GetValue<bool>());
        // The user's stream is replayed at the welcome, the room's when OnOpen joins it again: each in order, once.
        var seen = await back.ReceiveUntilSubscribedAsync("a", "u:ann", "g:lobby");
        var texts = seen.Where(m => m.Header?["k"] is null).Select(m => m.Payload).ToList();
        Assert.Equal(["for ann only", "two", "three", "four"], texts);
        Assert.Equal(["ann fresh", "ann resumed"], server.Probe.EventsOf("lobby").Where(e => e.StartsWith("ann", StringComparison.Ordinal)));

        await bob.SendAsync("say five");
        Assert.Equal(["five"], await back.ReceiveTextsAsync(1));
    }

    [Fact]
    public async Task OwnMessagesNotReadBeforeTheDropAreReplayedFromTheSessionsStream()
    {
        await using var server = await TestServer.StartAsync();
        string session;
        Dictionary<string, (string, long)> positions;
        using (var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/own"), "ann"))
        {
            session = (await ann.HelloAsync())["session"]!.GetValue<string>();
            await ann.ReceiveUntilSubscribedAsync("a", "u:ann", "g:own");
            await ann.SendAsync("burst 5");
            Assert.Equal(["line 1", "line 2"], await ann.ReceiveTextsAsync(2));
            positions = new(ann.Positions);
            ann.Socket.Abort();
        }
        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/own"), "ann");
        await back.HelloAsync(session, positions);
        Assert.Equal(["line 3", "line 4", "line 5"], await back.ReceiveTextsAsync(3));
    }

    [Fact]
    public async Task WhatTheHistoryNoLongerHoldsIsReportedAsAGapWithItsCount()
    {
        await using var server = await TestServer.StartAsync(options: o => o.History.MaxMessages = 3);
        using var bob = await V1Client.ConnectAsync(server.WebSocketUri("/resume/small"), "bob");
        await bob.HelloAsync();
        string session;
        Dictionary<string, (string, long)> positions;
        using (var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/small"), "ann"))
        {
            session = (await ann.HelloAsync())["session"]!.GetValue<string>();
            await ann.ReceiveUntilSubscribedAsync("g:small");
            positions = new(ann.Positions);
            ann.Socket.Abort();
        }
        for (var i = 1; i <= 8; i++) await bob.SendAsync("say m" + i);
        Assert.Equal(8, (await bob.ReceiveTextsAsync(8)).Count);

        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/small"), "ann");
        await back.HelloAsync(session, positions);
        var seen = await back.ReceiveUntilSubscribedAsync("g:small");
        var gap = Assert.Single(seen, m => m.Header?["k"]?.GetValue<string>() == "gap");
        var report = JsonNode.Parse(gap.Payload)!;
        Assert.Equal("g:small", report["s"]!.GetValue<string>());
        Assert.Equal(5, report["count"]!.GetValue<long>());
        Assert.Equal(["m6", "m7", "m8"], seen.Where(m => m.Header?["s"] is not null).Select(m => m.Payload));
    }

    [Fact]
    public async Task AnEpochTheServerDoesNotKnowIsAGapOfUnknownSizeAndTheCurrentHistoryFollows()
    {
        await using var server = await TestServer.StartAsync();
        using var bob = await V1Client.ConnectAsync(server.WebSocketUri("/resume/epoch"), "bob");
        await bob.HelloAsync();
        await bob.ReceiveUntilSubscribedAsync("g:epoch");
        await bob.SendAsync("say kept");
        await bob.ReceiveTextsAsync(1);

        using var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/epoch"), "ann");
        await ann.HelloAsync(positions: new Dictionary<string, (string, long)> { ["g:epoch"] = ("gone-away", 40) });
        var seen = await ann.ReceiveUntilSubscribedAsync("g:epoch");
        var gap = JsonNode.Parse(Assert.Single(seen, m => m.Header?["k"]?.GetValue<string>() == "gap").Payload)!;
        Assert.Null(gap["count"]);
        Assert.Equal("gone-away", gap["e"]!.GetValue<string>());
        Assert.Equal(["kept"], seen.Where(m => m.Header?["s"] is not null).Select(m => m.Payload));
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("another user's")]
    public async Task ATokenThatIsNotThisUsersResumesNothing(string kind)
    {
        await using var server = await TestServer.StartAsync();
        string token;
        Dictionary<string, (string, long)> positions;
        using (var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/private"), "ann"))
        {
            token = (await ann.HelloAsync())["session"]!.GetValue<string>();
            await ann.ReceiveUntilSubscribedAsync("a", "u:ann", "g:private");
            await ann.SendAsync("burst 3");
            await ann.ReceiveTextsAsync(1);
            positions = new(ann.Positions);
            ann.Socket.Abort();
        }
        if (kind == "forged") token = token[..(token.IndexOf('.', StringComparison.Ordinal) + 1)] + "AAAAAAAAAAAAAAAAAAAAAA";
        using var mallory = await V1Client.ConnectAsync(server.WebSocketUri("/resume/private"), kind == "forged" ? "ann" : "mallory");
        var welcome = await mallory.HelloAsync(token, positions);
        Assert.False(welcome["resumed"]!.GetValue<bool>());
        Assert.NotEqual(token, welcome["session"]!.GetValue<string>());
        var sessionStream = positions.Keys.Single(k => k.StartsWith("s:", StringComparison.Ordinal));
        var seen = await mallory.ReceiveUntilSubscribedAsync("a", "g:private");
        Assert.DoesNotContain(seen, m => m.Header?["s"]?.GetValue<string>() == sessionStream);
        Assert.DoesNotContain(seen, m => m.Payload.StartsWith("line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientMessageSentAgainAfterAReconnectIsHandledOnce()
    {
        await using var server = await TestServer.StartAsync();
        string session;
        using (var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/once"), "ann"))
        {
            session = (await ann.HelloAsync())["session"]!.GetValue<string>();
            await ann.SendAsync("first", "{\"n\":1}");
            await ann.SendAsync("second", "{\"n\":2,\"id\":9}");
            await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("once").Count == 3, "both messages handled");
            ann.Socket.Abort();
        }
        using var back = await V1Client.ConnectAsync(server.WebSocketUri("/resume/once"), "ann");
        var welcome = await back.HelloAsync(session);
        Assert.Equal(2, welcome["received"]!.GetValue<long>());
        // Sent again: the request is acknowledged without being handled twice; a new number is handled.
        await back.SendAsync("second", "{\"n\":2,\"id\":3}");
        await back.SendAsync("third", "{\"n\":3,\"id\":4}");
        var answers = new List<string>();
        while (answers.Count < 2)
        {
            var (header, _) = await back.ReceiveAsync();
            if (header?["re"] is { } re) answers.Add(re.ToJsonString());
        }
        Assert.Equal(["3", "4"], answers);
        Assert.Equal(["ann fresh", "handled first", "handled second", "ann resumed", "handled third"], server.Probe.EventsOf("once"));
    }

    [Theory]
    [InlineData("{\"positions\":{\"a\":{\"e\":1,\"o\":0}}}")]
    [InlineData("{\"positions\":{\"a\":{\"e\":\"x\",\"o\":\"0\"}}}")]
    [InlineData("{\"session\":7}")]
    [InlineData("[]")]
    public async Task AMalformedHelloClosesWith1002AndLeavesNothingBehind(string hello)
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/bad"), "ann");
        await ann.SendRawAsync("{\"k\":\"hello\"}\n" + hello);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await ann.ReceiveCloseAsync());
        var clients = server.Services.GetRequiredService<IWebSocketClients<TestEndpoints.ResumableEndpoint>>();
        await Eventually.WaitUntilAsync(async () => await clients.Presence.CountConnectionsAsync() == 0, "the connection to be gone from the registry");
        Assert.Empty(server.Probe.EventsOf("bad"));
    }

    [Fact]
    public async Task OnceItsClientResumedOnANewerConnectionTheOldOneCannotNumberTheSessionsMessages()
    {
        await using var server = await TestServer.StartAsync();
        using var old = await V1Client.ConnectAsync(server.WebSocketUri("/resume/moved"), "ann");
        var session = (await old.HelloAsync())["session"]!.GetValue<string>();
        await old.ReceiveUntilSubscribedAsync("a", "u:ann", "g:moved");
        await old.SendAsync("me one");
        Assert.Equal(["one"], await old.ReceiveTextsAsync(1));

        // The client came back on a new connection while the old one is still open (half-open, say).
        using var current = await V1Client.ConnectAsync(server.WebSocketUri("/resume/moved"), "ann");
        Assert.True((await current.HelloAsync(session, new Dictionary<string, (string, long)>(old.Positions)))["resumed"]!.GetValue<bool>());
        await current.ReceiveUntilSubscribedAsync("a", "u:ann", "g:moved");
        await old.SendAsync("me lost");
        Assert.Equal(WebSocketCloseStatus.InternalServerError, await old.ReceiveCloseAsync());
        await current.SendAsync("me two");
        var (header, payload) = await current.ReceiveAsync();
        Assert.Equal("two", payload);
        Assert.Equal(2, header!["o"]!.GetValue<long>());
    }

    [Fact]
    public async Task APlainClientOfAResumableEndpointGetsPlainMessages()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/resume/plain"));
        await socket.SendTextAsync("say plain");
        Assert.Equal("plain", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("me mine");
        Assert.Equal("mine", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task OnAResumableEndpointTheFirstMessageMustBeTheHello()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await V1Client.ConnectAsync(server.WebSocketUri("/resume/rude"), "ann");
        await ann.SendAsync("say hi");
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await ann.ReceiveCloseAsync());
        Assert.Empty(server.Probe.EventsOf("rude"));
    }

    [Fact]
    public async Task AnEndpointThatIsNotResumableWelcomesWithoutASession()
    {
        await using var server = await TestServer.StartAsync();
        using var client = await V1Client.ConnectAsync(server.WebSocketUri("/echo"));
        var welcome = await client.HelloAsync();
        Assert.Equal("{\"resumable\":false}", welcome.ToJsonString());
        await client.SendAsync("x");
        Assert.Equal((null, "x"), await client.ReceiveAsync());
    }
}
