// OnInvalidMessage is told why a text was not a typed message, as WebSocketInvalidMessage; it does not get the text.
// expect WS0002 at `string raw`: Parameter 'raw' of OnInvalidMessage cannot be bound: OnInvalidMessage receives why the text was not a typed message as a WebSocketInvalidMessage (Reason, Detail, TypeName), never the text itself; change the parameter's type to WebSocketInvalidMessage
// expect WS0002 at `string text`: Parameter 'text' of OnInvalidMessage cannot be bound: OnInvalidMessage receives why the text was not a typed message as a WebSocketInvalidMessage, never the text itself, and 'invalid' takes it; remove it
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public sealed record Move(int X, int Y);

[JsonSerializable(typeof(Move))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game")]
public sealed class GameEndpoint
{
    public void OnMessage(Move move) { }
    public void OnInvalidMessage(string raw) { }
}

[WebSocketEndpoint("/game/{table}")]
public sealed class TableEndpoint
{
    public void OnMessage(Move move, string table) { }
    public void OnInvalidMessage(WebSocketInvalidMessage invalid, string table, string text) { }
}
