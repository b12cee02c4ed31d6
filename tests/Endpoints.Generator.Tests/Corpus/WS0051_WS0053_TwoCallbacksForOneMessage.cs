// Two OnMessage for one type, and OnText beside OnMessage: every text message already goes to OnMessage.
// expect WS0053 at `OnText`: 'GameEndpoint' has OnText and OnMessage, but every text message goes to OnMessage; remove OnText, or handle that text as a message type of its own
// expect WS0051 at `Move`#4: Move is already handled by another OnMessage; a message of one type goes to one callback, so merge the two or remove this one
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public sealed record Move(int X, int Y);

[JsonSerializable(typeof(Move))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game")]
public sealed class GameEndpoint
{
    public void OnText(string text) { }
    public void OnMessage(Move move) { }
    public void OnMessage(WebSocketConnection connection, Move again) { }
}
