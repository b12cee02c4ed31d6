// A reply is written through the JSON context like a message: one it does not cover is told where to add it.
// expect WS0050 at `Task<Joined>`: 'Joined' cannot be serialized without reflection: add [JsonSerializable(typeof(Joined))] to JoinJson
// generates: none
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

public sealed record Join(string Name);
public sealed record Joined(int Members);

[JsonSerializable(typeof(Join))]
internal partial class JoinJson : JsonSerializerContext;

[WebSocketEndpoint("/join")]
public sealed class JoinEndpoint
{
    public Task<Joined> OnMessage(Join join) => Task.FromResult(new Joined(1));
}
