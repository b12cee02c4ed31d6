// An OnMessage that returns a value answers the client's request with it: directly, through Task<T> or ValueTask<T>.
// generates: Replies.JoinEndpoint
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Replies;

public sealed record Join(string Name);
public sealed record Joined(int Members);
public sealed record Ask(int Number);
public sealed record Told(int Number);
public sealed record Count(int Value);

[JsonSerializable(typeof(Join))]
[JsonSerializable(typeof(Joined))]
[JsonSerializable(typeof(Ask))]
[JsonSerializable(typeof(Told))]
[JsonSerializable(typeof(Count))]
internal partial class ReplyJson : JsonSerializerContext;

[WebSocketEndpoint("/join", Sends = new[] { typeof(Told) })]
public sealed class JoinEndpoint
{
    public async Task<Joined> OnMessage(Join join) { await Task.Yield(); return new Joined(join.Name.Length); }
    public ValueTask<Told> OnMessage(Ask ask) => new(new Told(ask.Number));
    public Count OnMessage(Count count) => count with { Value = count.Value + 1 };
}
