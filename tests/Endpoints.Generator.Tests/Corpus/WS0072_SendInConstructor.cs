// Sends from the endpoint's constructor, which runs before the upgrade: there is no connection to send on yet.
// expect WS0072 at `clients.All.SendTextAsync("someone is coming")`: 'SendTextAsync' is called in the constructor of 'ArrivalEndpoint', which runs before the WebSocket upgrade, when the new connection is not open yet and its upgrade may still fail, so the others would hear of a connection that never opened; move it to OnOpen, which runs once the connection is open
// expect WS0072 at `clients.All.SendAsync(new Arrived("?"))`: 'SendAsync' is called in the constructor of 'ArrivalEndpoint', which runs before the WebSocket upgrade, when the new connection is not open yet and its upgrade may still fail, so the others would hear of a connection that never opened; move it to OnOpen, which runs once the connection is open
// expect WS0072 at `watcher.Connection.TrySendText("hello")`: 'TrySendText' is called in the constructor of 'WatchedEndpoint', which runs before the WebSocket upgrade, when there is no open connection to send on; move it to OnOpen, which runs once the connection is open
// generates: Shapes.ArrivalEndpoint, Shapes.WatchedEndpoint
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed record Arrived(string Name);

[JsonSerializable(typeof(Arrived))]
internal partial class ArrivalJson : JsonSerializerContext;

[WebSocketEndpoint("/arrivals", Sends = new[] { typeof(Arrived) })]
public sealed class ArrivalEndpoint
{
    private readonly IWebSocketClients<ArrivalEndpoint> _clients;

    public ArrivalEndpoint(IWebSocketClients<ArrivalEndpoint> clients)
    {
        _clients = clients;
        _ = clients.All.SendTextAsync("someone is coming");
        _ = clients.All.SendAsync(new Arrived("?"));
    }

    public Task OnText(string text) => _clients.All.SendTextAsync(text).AsTask();
}

public sealed class Watcher
{
    public WebSocketConnection Connection { get; set; } = null!;
}

[WebSocketEndpoint("/watched")]
public sealed class WatchedEndpoint
{
    public WatchedEndpoint(Watcher watcher)
    {
        watcher.Connection.TrySendText("hello");
    }

    public void OnText(string text) { }
}
