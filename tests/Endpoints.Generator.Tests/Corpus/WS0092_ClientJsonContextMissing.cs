// A typed client that names a JSON context without every type of the endpoint's contract (replies and Sends too).
// expect WS0092 at `typeof(MovesOnlyJson)`: 'MovesOnlyJson' does not cover 'Shapes.Joined', 'Shapes.Moved'; add [JsonSerializable(typeof(…))] for 'Shapes.Joined', 'Shapes.Moved' to 'MovesOnlyJson'
// generates: Shapes.GameEndpoint
using System.Text.Json.Serialization;
using Endpoints;
using Endpoints.Client;

namespace Shapes;

public sealed record Move(int X, int Y);
public sealed record Join(string Name);
public sealed record Joined(int Players);
public sealed record Moved(int X, int Y);

[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Join))]
[JsonSerializable(typeof(Joined))]
[JsonSerializable(typeof(Moved))]
internal partial class GameJson : JsonSerializerContext;

[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Join))]
internal partial class MovesOnlyJson : JsonSerializerContext;

[WebSocketEndpoint("/game", Sends = new[] { typeof(Moved) })]
public sealed class GameEndpoint
{
    public void OnMessage(Move move) { }
    public Joined OnMessage(Join join) => new(1);
}

[WebSocketClient(typeof(GameEndpoint), JsonContext = typeof(MovesOnlyJson))]
public sealed partial class GameClient;
