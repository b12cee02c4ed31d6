// Callbacks declared in a generic base class and overridden (OnMessage, OnOpen with the state, OnText), or inherited as they are.
// generates: Inherited.DeployEndpoint, Inherited.RelayEndpoint, Inherited.PlainCommandEndpoint
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Inherited;

public sealed record Deploy(string Service);
public sealed record Restart(string Service);

[JsonSerializable(typeof(Deploy))]
[JsonSerializable(typeof(Restart))]
internal partial class CommandJson : JsonSerializerContext;

public abstract class CommandEndpoint<T>
{
    public abstract Task OnMessage(T command);
}

[WebSocketEndpoint("/deploy")]
public sealed class DeployEndpoint : CommandEndpoint<Deploy>
{
    public override Task OnMessage(Deploy command) => Task.CompletedTask;
}

public abstract class RelayEndpoint<TState> where TState : new()
{
    public virtual TState OnOpen() => new();
    public abstract void OnText(TState state, string text);
}

public sealed class Relay
{
    public int Count { get; set; }
}

[WebSocketEndpoint("/relay")]
public sealed class RelayEndpoint : RelayEndpoint<Relay>
{
    public override Relay OnOpen() => new() { Count = 1 };
    public override void OnText(Relay state, string text) => state.Count++;
}

public class CommandHandler<T>
{
    public void OnMessage(T command) { }
}

[WebSocketEndpoint("/restart")]
public sealed class PlainCommandEndpoint : CommandHandler<Restart>;
