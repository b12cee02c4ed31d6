// A received type and a sent type the project's JsonSerializerContext does not cover: each is told where to add it.
// expect WS0050 at `Move`#2: 'Move' cannot be serialized without reflection: add [JsonSerializable(typeof(Move))] to GameJson
// expect WS0050 at `typeof(Moved)`: 'Moved' cannot be serialized without reflection: add [JsonSerializable(typeof(Moved))] to GameJson
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public sealed record Move(int X, int Y);
public sealed record Moved(int X, int Y);
public sealed record Hello(string Name);

[JsonSerializable(typeof(Hello))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game", Sends = new[] { typeof(Moved) })]
public sealed class GameEndpoint
{
    public void OnMessage(Move move) { }
    public void OnMessage(Hello hello) { }
}
