using System.Net.WebSockets;
using Chat;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.EndToEnd.Tests;

/// <summary>The Chat sample's endpoint, mapped from the sample's assembly like any referenced project's.</summary>
public sealed class ChatSampleTests
{
    [Fact]
    public async Task MessagesAreBroadcastToEveryMemberOfTheRoomAndOnlyThatRoom()
    {
        await using var server = await TestServer.StartAsync(services: s => s.AddSingleton<ChatRooms>());
        using var ann = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/lobby"));
        Assert.StartsWith("* welcome to lobby", await ann.ReceiveTextAsync());
        Assert.EndsWith(" joined", await ann.ReceiveTextAsync());

        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/lobby"));
        Assert.Contains("(2 here)", await ben.ReceiveTextAsync());
        Assert.EndsWith(" joined", await ben.ReceiveTextAsync());
        Assert.EndsWith(" joined", await ann.ReceiveTextAsync());

        using var cy = await WebSocketClient.ConnectAsync(server.WebSocketUri("/chat/elsewhere"));
        Assert.Contains("(1 here)", await cy.ReceiveTextAsync());
        Assert.EndsWith(" joined", await cy.ReceiveTextAsync());

        await ann.SendTextAsync("/nick ann");
        Assert.EndsWith(" is now ann", await ann.ReceiveTextAsync());
        Assert.EndsWith(" is now ann", await ben.ReceiveTextAsync());
        await ann.SendTextAsync("hello room");
        Assert.Equal("ann: hello room", await ann.ReceiveTextAsync());
        Assert.Equal("ann: hello room", await ben.ReceiveTextAsync());

        await cy.SendTextAsync("anyone?");
        Assert.EndsWith(": anyone?", await cy.ReceiveTextAsync()); // only cy's room hears it

        await ann.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal("* ann left", await ben.ReceiveTextAsync());
    }
}
