// A message property called Type that does not meet the type property: a single message type (no type property is
// read or written), a name JSON keeps as "Type" (no naming policy), a type property of another name, and a received
// type whose Type has no setter (JSON never reads into it).
// generates: Shapes.SingleEndpoint, Shapes.PlainEndpoint, Shapes.KindEndpoint, Shapes.SaidEndpoint
using System.Text.Json;
using System.Text.Json.Serialization;
using Endpoints;

namespace Shapes;

public sealed record Shape(string Type, int Sides);
public sealed record Colour(string Name);

[JsonSerializable(typeof(Shape))]
[JsonSerializable(typeof(Colour))]
internal partial class PlainJson : JsonSerializerContext;

[WebSocketEndpoint("/plain")]
public sealed class PlainEndpoint
{
    public void OnMessage(Shape shape) { }
    public void OnMessage(Colour colour) { }
}

public sealed record Token(string Type, string Value);
public sealed record Spin(int Turns);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Token))]
[JsonSerializable(typeof(Spin))]
internal partial class WebJson : JsonSerializerContext;

[WebSocketEndpoint("/single", JsonContext = typeof(WebJson))]
public sealed class SingleEndpoint
{
    public void OnMessage(Token token) { }
}

[WebSocketEndpoint("/kind", JsonContext = typeof(WebJson), MessageTypeProperty = "kind", Sends = new[] { typeof(Token), typeof(Spin) })]
public sealed class KindEndpoint
{
    public void OnMessage(Token token) { }
    public void OnMessage(Spin spin) { }
}

public sealed record Say(string Text)
{
    public string Type => "say";
}

public sealed record Wave(int Times);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Say))]
[JsonSerializable(typeof(Wave))]
internal partial class SaidJson : JsonSerializerContext;

[WebSocketEndpoint("/said", JsonContext = typeof(SaidJson))]
public sealed class SaidEndpoint
{
    public void OnMessage(Say say) { }
    public void OnMessage(Wave wave) { }
}
