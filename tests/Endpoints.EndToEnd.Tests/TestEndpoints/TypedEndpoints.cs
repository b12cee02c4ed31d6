using System.Text.Json.Serialization;
using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public sealed record Move(int X, int Y);

[WebSocketMessage("say")]
public sealed record Say(string Text);

public sealed record Moved(string Player, int X, int Y);

public sealed record Said(string Player, string Text);

public sealed record Ping(int Number);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Say))]
[JsonSerializable(typeof(Moved))]
[JsonSerializable(typeof(Said))]
[JsonSerializable(typeof(Ping))]
internal sealed partial class GameJson : JsonSerializerContext;

/// <summary>Two message types in, two out: moves go to the whole table, what is said goes back to the sayer.</summary>
[WebSocketEndpoint("/game/{player}", Sends = new[] { typeof(Moved), typeof(Said) })]
public sealed class GameEndpoint(IWebSocketClients<GameEndpoint> clients)
{
    public async Task<string> OnOpen(WebSocketConnection connection, string player)
    {
        await connection.JoinGroupAsync("table");
        return player;
    }

    public async ValueTask OnMessage(string player, Move move) => await clients.Group("table").SendAsync(new Moved(player, move.X, move.Y));

    public ValueTask OnMessage(Say say, string player, WebSocketConnection connection) => connection.SendAsync(new Said(player, say.Text));
}

/// <summary>One message type (no type property needed), and OnInvalidMessage instead of a close.</summary>
[WebSocketEndpoint("/lenient/{key}", Sends = new[] { typeof(Ping) })]
public sealed class LenientEndpoint(Probe probe)
{
    public string OnOpen(string key) => key;

    public void OnMessage(Ping ping, WebSocketConnection connection) => connection.TrySend(ping with { Number = ping.Number + 1 });

    public void OnInvalidMessage(string key, WebSocketInvalidMessage invalid, WebSocketConnection connection)
    {
        probe.Record(key, $"{invalid.Reason}");
        connection.TrySendText("invalid: " + invalid.Reason);
    }

    public void OnClose(string key, WebSocketCloseInfo close) => probe.Closes.Add((key, close));
}
