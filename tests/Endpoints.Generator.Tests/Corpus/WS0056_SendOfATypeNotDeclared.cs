// Typed sends of types the endpoint does not declare, from a callback and through IWebSocketClients elsewhere.
// expect WS0056 at `new Secret("x")`: 'Secret' is not one of the message types GameEndpoint sends; add typeof(Secret) to Sends on its [WebSocketEndpoint]
// expect WS0056 at `"hello"`: 'string' is not one of the message types GameEndpoint sends; a string is not a typed message: send plain text with SendTextAsync instead of SendAsync
// expect WS0056 at `42`: 'int' is not one of the message types GameEndpoint sends, and cannot be one: it is not a JSON object; wrap it in a record, e.g. 'record Count(int Value)'
// generates: Shapes.GameEndpoint
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed record Moved(int X);
public sealed record Secret(string Text);

[JsonSerializable(typeof(Moved))]
[JsonSerializable(typeof(Secret))]
internal partial class GameJson : JsonSerializerContext;

[WebSocketEndpoint("/game", Sends = new[] { typeof(Moved) })]
public sealed class GameEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendAsync(new Secret("x"));
}

public sealed class Referee(IWebSocketClients<GameEndpoint> clients)
{
    public async Task Announce()
    {
        await clients.All.SendAsync(new Moved(1));
        await clients.All.SendAsync("hello");
        await clients.All.SendAsync(42);
    }
}
