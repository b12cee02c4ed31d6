// A wire name with a space, and a JsonContext that is not a context.
// expect WS0058 at `typeof(NotAContext)`: 'NotAContext' is not a System.Text.Json source-generated context; name a 'partial class' that derives from JsonSerializerContext
// expect WS0057 at `"move it"`: "move it" cannot name 'Move' on the wire; use letters, digits, '-', '_' and '.' only
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public sealed class NotAContext;

[WebSocketMessage("move it")]
public sealed record Move(int X);

[JsonSerializable(typeof(Move))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/a", JsonContext = typeof(NotAContext))]
public sealed class ContextEndpoint
{
    public void OnMessage(Move move) { }
}

[WebSocketEndpoint("/b")]
public sealed class NameEndpoint
{
    public void OnMessage(Move move) { }
}
