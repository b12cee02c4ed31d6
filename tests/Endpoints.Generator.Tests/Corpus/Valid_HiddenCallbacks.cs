// A callback hidden with 'new' in a derived class: the hiding one is the callback, the hidden one is not a second.
// generates: Hiding.HidingEndpoint, Hiding.HidingMessageEndpoint
using System.Text.Json.Serialization;
using Endpoints;

namespace Hiding;

public sealed record Ping(int Sequence);

[JsonSerializable(typeof(Ping))]
internal partial class PingJson : JsonSerializerContext;

public class EchoBase
{
    public void OnText(string text) { }
}

[WebSocketEndpoint("/hiding")]
public sealed class HidingEndpoint : EchoBase
{
    public new void OnText(string text) { }
}

public class GenericEchoBase<T>
{
    public void OnMessage(T message) { }
}

[WebSocketEndpoint("/hiding-message")]
public sealed class HidingMessageEndpoint : GenericEchoBase<Ping>
{
    public new void OnMessage(Ping ping) { }
}
