// Types that are not JSON objects System.Text.Json can create: abstract, interface, string, open generic.
// expect WS0054 at `Shape`#3: 'Shape' cannot be a typed message: it is abstract, so it cannot be created from JSON; take each concrete type in an OnMessage of its own
// expect WS0054 at `typeof(Box<>)`: 'Box<>' cannot be a typed message: it is an open generic type; use a closed one (every type argument given)
// generates: none
using System.Text.Json.Serialization;
using Endpoints;

public abstract record Shape;
public sealed record Box<T>(T Value);

[JsonSerializable(typeof(Shape))]
internal partial class ShapeJson : JsonSerializerContext;

[WebSocketEndpoint("/shapes", Sends = new[] { typeof(Box<>) })]
public sealed class ShapeEndpoint
{
    public void OnMessage(Shape shape) { }
}
