// Message types with a property of their own that JSON writes as "type", the property that names the message's type:
// camelCase from the context's options, and [JsonPropertyName] against a changed MessageTypeProperty.
// expect WS0077 at `Type`#1: 'Type' of 'Move' is written as "type", the property that names the message's type on BoardEndpoint's wire, so the type name a client sends would be read into it; rename it ([JsonPropertyName("moveType")]), or choose another type property (MessageTypeProperty = "kind" on [WebSocketEndpoint])
// expect WS0077 at `Type`#2: 'Type' of 'Moved' is written as "type", the property that names the message's type on BoardEndpoint's wire, so every message sent would carry "type" twice; rename it ([JsonPropertyName("movedType")]), or choose another type property (MessageTypeProperty = "kind" on [WebSocketEndpoint])
// expect WS0077 at `Category`: 'Category' of 'Report' is written as "kind", the property that names the message's type on ReportEndpoint's wire, so the type name a client sends would be read into it and every message sent would carry "kind" twice; rename it ([JsonPropertyName("reportCategory")]), or choose another type property (MessageTypeProperty = "messageType" on [WebSocketEndpoint])
// generates: Shapes.BoardEndpoint, Shapes.ReportEndpoint
using System.Text.Json;
using System.Text.Json.Serialization;
using Endpoints;

namespace Shapes;

public sealed record Move(string Type, int X);
public sealed record Pass(string Player);
public sealed record Moved(string Type, int X);
public sealed record Passed(string Player);

public sealed class Report
{
    [JsonPropertyName("kind")]
    public string Category { get; set; } = "";
}

public sealed record Note(string Text);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Pass))]
[JsonSerializable(typeof(Moved))]
[JsonSerializable(typeof(Passed))]
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(Note))]
internal partial class BoardJson : JsonSerializerContext;

[WebSocketEndpoint("/board", Sends = new[] { typeof(Moved), typeof(Passed) })]
public sealed class BoardEndpoint
{
    public void OnMessage(Move move) { }
    public void OnMessage(Pass pass) { }
}

[WebSocketEndpoint("/reports", MessageTypeProperty = "kind", Sends = new[] { typeof(Report), typeof(Note) })]
public sealed class ReportEndpoint
{
    public void OnMessage(Report report) { }
    public void OnMessage(Note note) { }
}
