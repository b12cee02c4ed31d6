// A reply is a JSON object, as a message is: a string reply is wrapped in a record.
// expect WS0054 at `ValueTask<string>`: 'string' cannot be a typed message: a string is not a JSON object; take text in OnText, or wrap it in a record
// generates: none
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

public sealed record Join(string Name);

[JsonSerializable(typeof(Join))]
internal partial class JoinJson : JsonSerializerContext;

[WebSocketEndpoint("/join")]
public sealed class JoinEndpoint
{
    public ValueTask<string> OnMessage(Join join) => new("hello " + join.Name);
}
