using System.Text.Json.Serialization;
using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public sealed record Join(string Name);

public sealed record Joined(string Name, int Members);

public sealed record Fail(bool OnPurpose);

public sealed record Note(string Text);

public sealed record Quiz(string Question, int TimeoutMs);

public sealed record Prompt(string Question);

public sealed record Answer(bool Ok);

public sealed record Echoed(string Text);

public sealed record Count(int Value);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Join))]
[JsonSerializable(typeof(Joined))]
[JsonSerializable(typeof(Fail))]
[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(Quiz))]
[JsonSerializable(typeof(Prompt))]
[JsonSerializable(typeof(Answer))]
[JsonSerializable(typeof(Echoed))]
[JsonSerializable(typeof(Count))]
internal sealed partial class RequestJson : JsonSerializerContext;

/// <summary>
/// Request/reply over endpoints.v1: a join is answered with a reply (after a note sent to the joiner), a note is
/// acknowledged, a failure is rejected, a quiz makes the server ask the client and report what came of it.
/// </summary>
[WebSocketEndpoint("/requests/{key}", JsonContext = typeof(RequestJson), Sends = new[] { typeof(Joined), typeof(Note), typeof(Prompt) })]
public sealed class RequestEndpoint(Probe probe)
{
    public string OnOpen(string key) => key;

    public async Task<Joined> OnMessage(Join join, WebSocketConnection connection)
    {
        await connection.SendAsync(new Note("welcome " + join.Name));
        return new Joined(join.Name, 3);
    }

    // A reply of a type the endpoint does not send: plain JSON, without the type property.
    public Echoed OnMessage(Echoed echoed) => echoed with { Text = echoed.Text + "!" };

    public ValueTask<Count> OnMessage(Count count) => new(new Count(count.Value + 1));

    public void OnMessage(string key, Note note) => probe.Record(key, "note " + note.Text);

    public Task OnMessage(Fail fail) => fail.OnPurpose
        ? throw new WebSocketRequestException("Room is full.")
        : throw new InvalidOperationException("secret server detail");

    // Not awaited here: the answer is read after this callback returns (messages are handled one at a time).
    public void OnMessage(string key, Quiz quiz, WebSocketConnection connection) => _ = AskAsync(key, quiz, connection);

    private async Task AskAsync(string key, Quiz quiz, WebSocketConnection connection)
    {
        string outcome;
        try
        {
            var answer = await connection.RequestAsync<Prompt, Answer>(new Prompt(quiz.Question), TimeSpan.FromMilliseconds(quiz.TimeoutMs));
            outcome = "answered " + answer.Ok;
        }
        catch (Exception exception)
        {
            outcome = exception.GetType().Name + ": " + exception.Message;
        }
        probe.Record(key, outcome);
        try
        {
            await connection.SendAsync(new Note(outcome));
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The connection ended: the probe has the outcome.
        }
    }

    public void OnError(string key, Exception error) => probe.Record(key, "error " + error.Message);
}

/// <summary>Streams text: under endpoints.v1 the header is read off before the callback reads the message.</summary>
[WebSocketEndpoint("/requests-streamed")]
public sealed class StreamedRequestEndpoint
{
    public async Task OnText(TextReader text, WebSocketConnection connection) => await connection.SendTextAsync("read " + await text.ReadToEndAsync());
}
