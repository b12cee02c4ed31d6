// A server's request is sent like a typed message: its type must be one the endpoint sends.
// expect WS0056 at `new Secret("x")`: 'Secret' is not one of the message types QuizEndpoint sends; add typeof(Secret) to Sends on its [WebSocketEndpoint]
// generates: Shapes.QuizEndpoint
using System;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed record Prompt(string Question);
public sealed record Secret(string Text);
public sealed record Answer(bool Ok);

[JsonSerializable(typeof(Prompt))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Answer))]
internal partial class QuizJson : JsonSerializerContext;

[WebSocketEndpoint("/quiz", Sends = new[] { typeof(Prompt) })]
public sealed class QuizEndpoint
{
    public void OnOpen(WebSocketConnection connection)
    {
        _ = connection.RequestAsync<Prompt, Answer>(new Prompt("ok?"), TimeSpan.FromSeconds(5));
        _ = connection.RequestAsync<Secret, Answer>(new Secret("x"), TimeSpan.FromSeconds(5));
    }
}
