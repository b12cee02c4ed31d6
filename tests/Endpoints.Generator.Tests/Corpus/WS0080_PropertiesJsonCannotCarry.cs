// Message properties System.Text.Json cannot carry: code, handles, types and streams anywhere, and an interface or an
// abstract class where a message is read (JSON cannot say which concrete type to create).
// expect WS0080 at `OnDone`: 'OnDone' of 'Job' has type 'Func<int>', a delegate, which is code, not data, so System.Text.Json throws NotSupportedException when it writes or reads one; remove it from the message, or mark it [JsonIgnore] if it is not meant to be sent
// expect WS0080 at `Handle`: 'Handle' of 'Job' has type 'nint', a native handle or address, which System.Text.Json refuses, so System.Text.Json throws NotSupportedException when it writes or reads one; remove it from the message, or mark it [JsonIgnore] if it is not meant to be sent
// expect WS0080 at `Kind`: 'Kind' of 'Job' has type 'Type', a System.Type, which System.Text.Json refuses, so System.Text.Json throws NotSupportedException when it writes or reads one; carry its name instead (a 'string' property), or mark it [JsonIgnore]
// expect WS0080 at `Body`: 'Body' of 'Upload' has type 'Stream', a stream, which is not JSON data, so System.Text.Json throws NotSupportedException when it writes or reads one; change its type to 'byte[]' (written as base64), or mark it [JsonIgnore]
// expect WS0080 at `Shape`: 'Shape' of 'Draw' has type 'IShape', an interface, which cannot be created from JSON, so reading a message that carries one throws NotSupportedException; change its type to a class or record that is not abstract, or put [JsonDerivedType(typeof(…), "…")] on 'IShape' for each of its concrete types
// expect WS0080 at `Shapes`: 'Shapes' of 'Layer' has type 'Figure', an abstract class, which cannot be created from JSON, so reading a message that carries one throws NotSupportedException; change its type to a class or record that is not abstract, or put [JsonDerivedType(typeof(…), "…")] on 'Figure' for each of its concrete types
// generates: none
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Serialization;
using Endpoints;

namespace Drawing;

public interface IShape { double Area { get; } }
public abstract class Figure { public string Name { get; set; } = ""; }

public sealed class Job
{
    public int Id { get; set; }
    public Func<int>? OnDone { get; set; }
    public IntPtr Handle { get; set; }
    public Type? Kind { get; set; }
}

public sealed class Upload
{
    public Stream? Body { get; set; }
}

public sealed record Draw(IShape Shape);

public sealed record Layer(List<Figure> Shapes);

public sealed class Layers
{
    public Layer? Top { get; set; }
}

[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(Upload))]
[JsonSerializable(typeof(Draw))]
[JsonSerializable(typeof(Layers))]
internal partial class ShapesJson : JsonSerializerContext;

[WebSocketEndpoint("/jobs", Sends = new[] { typeof(Job) })]
public sealed class JobsEndpoint
{
    public void OnMessage(Upload upload) { }
}

[WebSocketEndpoint("/draw")]
public sealed class DrawEndpoint
{
    public void OnMessage(Draw draw) { }
    public void OnMessage(Layers layers) { }
}
