using System.Net;
using System.Net.WebSockets;
using Chat;
using Microsoft.AspNetCore.Builder;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Endpoints.Tests;

namespace Endpoints.EndToEnd.Tests;

/// <summary>The Chat sample's endpoint, mapped from the sample's assembly like any referenced project's.</summary>
public sealed class ChatSampleTests
{
    [Fact]
    public async Task MessagesAreBroadcastToEveryMemberOfTheRoomAndOnlyThatRoom()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=ann"));
        Assert.Equal("* welcome to lobby, ann (1 here)", await ann.ReceiveTextAsync());
        Assert.Equal("* ann joined", await ann.ReceiveTextAsync());

        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=ben"));
        Assert.Equal("* welcome to lobby, ben (2 here)", await ben.ReceiveTextAsync());
        Assert.Equal("* ben joined", await ben.ReceiveTextAsync());
        Assert.Equal("* ben joined", await ann.ReceiveTextAsync());

        using var cy = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/elsewhere?access_token=cy"));
        Assert.Equal("* welcome to elsewhere, cy (1 here)", await cy.ReceiveTextAsync());
        Assert.Equal("* cy joined", await cy.ReceiveTextAsync());

        await ann.SendTextAsync("hello room");
        Assert.Equal("ann: hello room", await ann.ReceiveTextAsync());
        Assert.Equal("ann: hello room", await ben.ReceiveTextAsync());

        await cy.SendTextAsync("anyone?");
        Assert.Equal("cy: anyone?", await cy.ReceiveTextAsync()); // only cy's room hears it

        // Ann's second tab, in the other room.
        using var annElsewhere = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/elsewhere?access_token=ann"));
        Assert.Equal("* welcome to elsewhere, ann (2 here)", await annElsewhere.ReceiveTextAsync());
        Assert.Equal("* ann joined", await annElsewhere.ReceiveTextAsync());
        Assert.Equal("* ann joined", await cy.ReceiveTextAsync());

        await ben.SendTextAsync("/msg ann psst");
        Assert.Equal("ben → ann: psst", await ann.ReceiveTextAsync());
        Assert.Equal("ben → ann: psst", await annElsewhere.ReceiveTextAsync());
        Assert.Equal("ben → ann: psst", await ben.ReceiveTextAsync()); // the sender's own copy

        await ben.SendTextAsync("/who");
        Assert.Equal("* in lobby: ann, ben", await ben.ReceiveTextAsync());
        await cy.SendTextAsync("/who");
        Assert.Equal("* in elsewhere: ann, cy", await cy.ReceiveTextAsync());
        await ben.SendTextAsync("/msg nobody hello?");
        Assert.Equal("* nobody is not here", await ben.ReceiveTextAsync());

        await ann.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal("* ann left", await ben.ReceiveTextAsync());
        await ben.SendTextAsync("/who");
        Assert.Equal("* in lobby: ben", await ben.ReceiveTextAsync());
    }

    [Fact]
    public async Task APageThatDropsIsSaidToHaveLeftOnlyWhenThePresenceGraceIsOverAndNotAtAllWhenItComesBackWithinIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=ben"));
        Assert.Equal("* welcome to lobby, ben (1 here)", await ben.ReceiveTextAsync());
        Assert.Equal("* ben joined", await ben.ReceiveTextAsync());

        var ann = await V1Client.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=ann"));
        var session = (await ann.HelloAsync())["session"]!.GetValue<string>();
        Assert.Equal("* ann joined", await ben.ReceiveTextAsync());
        await ann.ReceiveUntilSubscribedAsync("g:lobby");
        var positions = new Dictionary<string, (string, long)>(ann.Positions);
        ann.Socket.Abort();
        ann.Dispose();
        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/chat/lobby"), "ann's connection to end");

        // Back within the grace: the room hears nothing of it, and ann's next line is the next thing ben gets.
        clock.Advance(TimeSpan.FromSeconds(5));
        using (var back = await V1Client.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=ann")))
        {
            Assert.True((await back.HelloAsync(session, positions))["resumed"]!.GetValue<bool>());
            await back.SendAsync("still here");
            Assert.Equal("ann: still here", await ben.ReceiveTextAsync());
            clock.Advance(TimeSpan.FromSeconds(30));
            await back.SendAsync("and now?");
            Assert.Equal("ann: and now?", await ben.ReceiveTextAsync());
            back.Socket.Abort();
        }

        // Gone for good: said when the grace is over, not before.
        await Eventually.WaitUntilAsync(() => server.Probe.RequestsEnded("/chat/lobby") == 2, "ann's second connection to end");
        clock.Advance(TimeSpan.FromSeconds(9));
        await ben.SendTextAsync("anyone?");
        Assert.Equal("ben: anyone?", await ben.ReceiveTextAsync());
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("* ann left", await ben.ReceiveTextAsync());
    }

    [Fact]
    public async Task TheChatRefusesAnonymousUsersAndOtherSitesBeforeTheUpgrade()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(server.WebSocketUri("/chat/lobby"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);

        using var otherSite = new ClientWebSocket();
        otherSite.Options.CollectHttpResponseDetails = true;
        otherSite.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => otherSite.ConnectAsync(server.WebSocketUri("/chat/lobby?access_token=mallory"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, otherSite.HttpStatusCode);
    }
}

/// <summary>The Chat app itself, as Program.cs builds it, with its real JWT sign-in.</summary>
public sealed class ChatAppTests
{
    [Fact]
    public async Task NoTokenReachesTheLogsAtTheDefaultLevels()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(logs);
        var address = new Uri(app.Urls.First());
        var token = await SignInAsync(address);
        Assert.StartsWith("eyJ", token);
        using var socket = await WebSocketClient.ConnectAsync(new Uri($"ws://{address.Authority}/chat/lobby?access_token={Uri.EscapeDataString(token)}"));
        Assert.Equal("* welcome to lobby, ann (1 here)", await socket.ReceiveTextAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await app.StopAsync();

        var lines = logs.Lines.ToList();
        // The request was logged (so logging was on at Information), by path only.
        Assert.Contains(lines, line => line.Category == "Chat.Requests" && line.Message.StartsWith("GET /chat/lobby", StringComparison.Ordinal));
        var signature = token.Split('.')[2];
        Assert.DoesNotContain(lines, line => line.Message.Contains(signature, StringComparison.Ordinal) || line.Message.Contains("access_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARefusedTokenDoesNotReachTheLogsEither()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(logs);
        var address = new Uri(app.Urls.First());
        var token = await SignInAsync(address);
        var parts = token.Split('.');
        // The same header and claims with another signature: a forged token, refused before the upgrade.
        var forged = parts[0] + "." + parts[1] + "." + new string(parts[2].Reverse().ToArray());
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(
            new Uri($"ws://{address.Authority}/chat/lobby?access_token={Uri.EscapeDataString(forged)}"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        await app.StopAsync();

        var lines = logs.Lines.ToList();
        // The refusal was logged at a default level (Information), without the token.
        Assert.Contains(lines, line => line.Category.StartsWith("Microsoft.AspNetCore.Authentication", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Message.Contains(parts[1], StringComparison.Ordinal) || line.Message.Contains("access_token", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("attacker.example", "400")]
    [InlineData("localhost", "101")]
    [InlineData("127.0.0.1", "101")]
    public async Task OnlyTheAppsOwnHostNamesMayUpgradeSoDnsRebindingIsRefused(string host, string status)
    {
        // A rebinding page's Origin matches its Host, so the same-origin check alone lets it in; AllowedHosts does not.
        await using var app = await StartAsync(new CapturingLoggerProvider());
        var address = new Uri(app.Urls.First());
        var token = await SignInAsync(address);
        var (raw, response) = await RawWebSocketClient.HandshakeAsync(new Uri($"ws://{address.Authority}/chat/lobby?access_token={token}"),
            $"Host: {host}:{address.Port}", $"Origin: http://{host}:{address.Port}");
        await using var _ = raw;
        Assert.StartsWith($"HTTP/1.1 {status}", response);
    }

    private static async Task<WebApplication> StartAsync(CapturingLoggerProvider logs)
    {
        var app = ChatApp.Create(["--urls", "http://127.0.0.1:0"], builder => builder.Logging.AddProvider(logs));
        await app.StartAsync();
        return app;
    }

    private static async Task<string> SignInAsync(Uri address)
    {
        using var http = new HttpClient { BaseAddress = address };
        return await http.GetStringAsync("/token?name=ann");
    }
}
