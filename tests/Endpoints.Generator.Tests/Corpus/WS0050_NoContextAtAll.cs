// No JsonSerializerContext in the project: the advice is the context to declare.
// expect WS0050 at `Move`#2: 'Move' cannot be serialized without reflection: no JsonSerializerContext in this project declares it; add one: '[JsonSerializable(typeof(Move))] internal partial class AppJsonContext : JsonSerializerContext;'
// generates: none
using Endpoints;

public sealed record Move(int X, int Y);

[WebSocketEndpoint("/game")]
public sealed class GameEndpoint
{
    public void OnMessage(Move move) { }
}
