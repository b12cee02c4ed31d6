// A route value bound to a type that cannot be parsed from a string.
// expect WS0002 at `Point`#2: Parameter 'where' of OnOpen cannot be bound: it takes the route value 'where', but 'Point' has no static TryParse method; take it as string or as a type with a static TryParse(string, out T)
// generates: none
using Endpoints;

public sealed class Point { }

[WebSocketEndpoint("/at/{where}")]
public sealed class PointEndpoint
{
    public void OnOpen(Point where) { }
}
