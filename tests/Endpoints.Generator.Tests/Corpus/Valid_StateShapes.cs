// State of any shape: a struct, an int, a generic with nullable arguments, through ValueTask<T>.
// generates: Shapes.StructStateEndpoint, Shapes.IntStateEndpoint, Shapes.GenericStateEndpoint
using System.Collections.Generic;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public readonly record struct Seat(int Row, int Number);

[WebSocketEndpoint("/seat/{row:int}/{number:int}")]
public sealed class StructStateEndpoint
{
    public Seat OnOpen(int row, int number) => new(row, number);
    public void OnText(Seat seat, string text) { }
}

[WebSocketEndpoint("/count")]
public sealed class IntStateEndpoint
{
    public ValueTask<int> OnOpen() => new(0);
    public void OnClose(int count, WebSocketCloseInfo close) { }
}

[WebSocketEndpoint("/names")]
public sealed class GenericStateEndpoint
{
    public List<string?> OnOpen() => new();
    public void OnText(List<string?> names, string text) => names.Add(text);
}
