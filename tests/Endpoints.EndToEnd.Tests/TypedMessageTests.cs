using System.Net.WebSockets;
using System.Text.Json;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.EndToEnd.Tests;

/// <summary>OnMessage(T): JSON dispatched by its type property, typed sends and fan-out, and what happens to bad messages.</summary>
public sealed class TypedMessageTests
{
    [Fact]
    public async Task EachTypeGoesToItsOnMessageAndTypedSendsCarryTheirType()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await WebSocketClient.ConnectAsync(server.WebSocketUri("/game/ann"));
        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/game/ben"));
        await ann.SendTextAsync("""{"type":"say","text":"hello"}""");
        Assert.Equal("""{"type":"said","player":"ann","text":"hello"}""", await ann.ReceiveTextAsync()); // ann's join is done

        // The type property need not come first; a move goes to the whole table, serialized once.
        await ben.SendTextAsync("""{"x":3,"type":"move","y":4}""");
        var expected = """{"type":"moved","player":"ben","x":3,"y":4}""";
        Assert.Equal(expected, await ann.ReceiveTextAsync());
        Assert.Equal(expected, await ben.ReceiveTextAsync());

        // An escaped type name is still the same name.
        await ann.SendTextAsync("""{"type":"s\u0061y","text":"escaped"}""");
        Assert.Equal("escaped", JsonDocument.Parse(await ann.ReceiveTextAsync()).RootElement.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("not json at all", WebSocketCloseStatus.InvalidPayloadData)]
    [InlineData("""["type","move"]""", WebSocketCloseStatus.InvalidPayloadData)]
    [InlineData("""{"type":"move","x":"three"}""", WebSocketCloseStatus.InvalidPayloadData)]
    [InlineData("""{"type":"fly","x":1}""", WebSocketCloseStatus.InvalidMessageType)]
    [InlineData("""{"x":1,"y":2}""", WebSocketCloseStatus.InvalidMessageType)]
    public async Task AMessageThatIsNotOneOfTheTypesClosesWithTheDocumentedCodeAndTheServerGoesOn(string text, WebSocketCloseStatus status)
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/game/cy"));
        await socket.SendTextAsync(text);
        Assert.Equal(status, await socket.ReceiveCloseAsync());

        using var next = await WebSocketClient.ConnectAsync(server.WebSocketUri("/game/dee"));
        await next.SendTextAsync("""{"type":"say","text":"still up"}""");
        Assert.Contains("still up", await next.ReceiveTextAsync());
    }

    [Fact]
    public async Task WithOnInvalidMessageABadMessageIsReportedAndTheConnectionStays()
    {
        await using var server = await TestServer.StartAsync();
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/lenient/one"));
        // One message type: no type property needed, and none written.
        await socket.SendTextAsync("""{"number":1}""");
        Assert.Equal("""{"number":2}""", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("{oops");
        Assert.Equal("invalid: InvalidJson", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("null");
        Assert.Equal("invalid: InvalidJson", await socket.ReceiveTextAsync());
        await socket.SendTextAsync("""{"number":41}""");
        Assert.Equal("""{"number":42}""", await socket.ReceiveTextAsync());
        Assert.Equal(["InvalidJson", "InvalidJson"], server.Probe.EventsOf("one"));
    }

    [Fact]
    public async Task ATypedFanOutFromOutsideACallbackReachesTheGroup()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await WebSocketClient.ConnectAsync(server.WebSocketUri("/game/ann"));
        await ann.SendTextAsync("""{"type":"say","text":"ready"}""");
        await ann.ReceiveTextAsync();

        var clients = server.Services.GetRequiredService<IWebSocketClients<TestEndpoints.GameEndpoint>>();
        var result = await clients.Group("table").SendAsync(new TestEndpoints.Moved("referee", 0, 0));
        Assert.Equal(new WebSocketFanOutResult(1, 0), result);
        Assert.Equal("""{"type":"moved","player":"referee","x":0,"y":0}""", await ann.ReceiveTextAsync());
    }
}
