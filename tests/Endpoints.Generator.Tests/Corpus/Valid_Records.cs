// Records are classes: a plain record and a positional record (its parameters are services) both generate.
// generates: Shapes.RecordEndpoint, Shapes.PositionalEndpoint
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed class Greeter { public string Greet(string name) => "hello " + name; }

[WebSocketEndpoint("/record")]
public sealed record RecordEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
}

[WebSocketEndpoint("/positional/{name}")]
public sealed record PositionalEndpoint(Greeter Greeter)
{
    public string OnOpen(string name) => Greeter.Greet(name);
    public ValueTask OnText(string greeting, WebSocketConnection connection, string text) => connection.SendTextAsync(greeting + ": " + text);
}
