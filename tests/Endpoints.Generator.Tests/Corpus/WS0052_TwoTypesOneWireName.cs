// Two message types with one name on the wire: a received message could not say which it is.
// expect WS0052 at `Game.Move`#2: 'Move' and 'Move' are both called "move" in the "kind" property, so a received message could not say which it is; name one differently with [WebSocketMessage("…")]
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public sealed record Move(int X, int Y);

namespace Game
{
    public sealed record Move(string Piece);
}

[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Game.Move))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game", MessageTypeProperty = "kind")]
public sealed class GameEndpoint
{
    public void OnMessage(Move move) { }
    public void OnMessage(Game.Move chess) { }
}
