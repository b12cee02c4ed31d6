// State that may be null, used as nullable everywhere: no warning, and none in the generated code.
// generates: Shapes.NullableStateEndpoint, Shapes.AsyncNullableStateEndpoint
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed class Player { public string Name { get; init; } = ""; }

[WebSocketEndpoint("/nullable/{name}")]
public sealed class NullableStateEndpoint
{
    public Player? OnOpen(string name) => name.Length == 0 ? null : new Player { Name = name };
    public void OnText(Player? player, string text) { }
    public void OnClose(Player? player, WebSocketCloseInfo close) { }
}

[WebSocketEndpoint("/nullable-async/{name}")]
public sealed class AsyncNullableStateEndpoint
{
    public async Task<Player?> OnOpen(string name) { await Task.Yield(); return null; }
    public void OnBinary(Player? player, System.ReadOnlyMemory<byte> data) { }
}
