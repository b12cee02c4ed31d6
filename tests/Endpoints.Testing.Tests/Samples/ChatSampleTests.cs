using System.Net;
using Chat;

namespace Endpoints.Testing.Tests.Samples;

/// <summary>samples/Chat as its Program.cs builds it: rooms, /who and /msg with users the host signs in, and its own JWT sign-in beside them.</summary>
public sealed class ChatSampleTests
{
    [Fact]
    public async Task TwoUsersInARoomHearEachOtherAndWhoListsThem()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => ChatApp.Create(args));
        await using var ann = await host.ConnectAsync("/chat/lobby", user: "ann");
        Assert.Equal("* welcome to lobby, ann (1 here)", await ann.ReceiveTextAsync());
        Assert.Equal("* ann joined", await ann.ReceiveTextAsync());

        await using var bob = await host.ConnectAsync("/chat/lobby", user: "bob");
        Assert.Equal("* welcome to lobby, bob (2 here)", await bob.ReceiveTextAsync());
        Assert.Equal("* bob joined", await bob.ReceiveTextAsync());
        Assert.Equal("* bob joined", await ann.ReceiveTextAsync());

        await bob.SendTextAsync("/who");
        Assert.Equal("* in lobby: ann, bob", await bob.ReceiveTextAsync());

        await ann.SendTextAsync("hi bob");
        Assert.Equal("ann: hi bob", await ann.ReceiveTextAsync());
        Assert.Equal("ann: hi bob", await bob.ReceiveTextAsync());

        await bob.SendTextAsync("/msg ann psst");
        Assert.Equal("bob → ann: psst", await ann.ReceiveTextAsync());
        Assert.Equal("bob → ann: psst", await bob.ReceiveTextAsync());

        await ann.CloseAsync();
        Assert.Equal("* ann left", await bob.ReceiveTextAsync());
        await bob.SendTextAsync("/who");
        Assert.Equal("* in lobby: bob", await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task TypedClientsSignedInThroughTheHostTalkAndAreAcknowledged()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => ChatApp.Create(args));
        // The typed client's path for the route value, and the host's EndpointsClient signed in as the user.
        Assert.Equal("/chat/tea%20room", ChatClient.PathFor("tea room"));
        await using var ann = new ChatClient(host.CreateClient(ChatClient.PathFor("tea room"), user: "ann"));
        await ann.StartAsync();
        await using var annReads = ann.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("* welcome to tea room, ann (1 here)", await annReads.NextAsync<string>());
        Assert.Equal("* ann joined", await annReads.NextAsync<string>());

        await using var bob = new ChatClient(host.CreateClient(ChatClient.PathFor("tea room"), user: "bob"));
        await bob.StartAsync();
        await using var bobReads = bob.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal("* welcome to tea room, bob (2 here)", await bobReads.NextAsync<string>());
        Assert.Equal("* bob joined", await bobReads.NextAsync<string>());
        Assert.Equal("* bob joined", await annReads.NextAsync<string>());

        // OnText is the endpoint's only way in: SendTextAsync, and over endpoints.v1 an acknowledged send that completes
        // once OnText returned, so the line has been said to the room by then.
        Assert.True(await ann.SendTextAsync("hi bob"));
        Assert.Equal("ann: hi bob", await bobReads.NextAsync<string>());
        await bob.SendTextWithAckAsync("hi ann");
        Assert.Equal("ann: hi bob", await annReads.NextAsync<string>());
        Assert.Equal("bob: hi ann", await annReads.NextAsync<string>());
    }

    [Fact]
    public async Task ATypedClientRefusedBeforeTheUpgradeThrowsInsteadOfRetrying()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => ChatApp.Create(args));
        // ConnectAsync with the app's address: no sign-in, so [Authorize] answers 401, which no retry would change.
        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => ChatClient.ConnectAsync(host.Address, "lobby"));
        Assert.Contains("HTTP 401", refused.Message);
    }

    [Fact]
    public async Task TheAppsOwnTokenStillSignsInAndAnonymousIsRefused()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => ChatApp.Create(args));
        using var http = new HttpClient { BaseAddress = host.Address };
        var token = await http.GetStringAsync("/token?name=carol");

        // Without user:, the request goes to the app's own scheme: the JWT in the query, as the chat page sends it.
        await using var carol = await host.ConnectAsync($"/chat/lobby?access_token={Uri.EscapeDataString(token)}");
        Assert.Equal("* welcome to lobby, carol (1 here)", await carol.ReceiveTextAsync());

        var refused = await Assert.ThrowsAsync<WebSocketUpgradeRefusedException>(() => host.ConnectAsync("/chat/lobby"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
