// Typed messages: two OnMessage types (dispatched by "type"), typed sends to the connection and to a group, OnInvalidMessage.
// generates: Shapes.GameEndpoint
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed record Move(int X, int Y);

[WebSocketMessage("chat")]
public sealed record ChatLine(string Text);

public sealed record Moved(string Player, int X, int Y);

public readonly record struct Said(string Player, string Text);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(ChatLine))]
[JsonSerializable(typeof(Moved))]
[JsonSerializable(typeof(Said))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game/{table}", Sends = new[] { typeof(Moved), typeof(Said) })]
public sealed class GameEndpoint(IWebSocketClients<GameEndpoint> clients)
{
    public string OnOpen(string table) => table;

    public async Task OnMessage(string table, Move move) => await clients.Group(table).SendAsync(new Moved("someone", move.X, move.Y));

    public ValueTask OnMessage(ChatLine line, WebSocketConnection connection) => connection.SendAsync(new Said("me", line.Text));

    public void OnInvalidMessage(WebSocketInvalidMessage invalid, WebSocketConnection connection) => connection.TrySendText(invalid.Detail);
}
