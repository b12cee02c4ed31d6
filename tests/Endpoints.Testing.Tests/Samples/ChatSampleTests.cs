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
