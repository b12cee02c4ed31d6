// The neighbours of WS0080 and WS0081: free-form JSON on purpose (object, JsonElement, JsonNode), what is not written
// ([JsonIgnore]), interfaces and abstract classes only sent (JSON writes their declared properties) or read with
// [JsonDerivedType], collection interfaces, and enums written as names by the converter the contract reads.
// generates: Canvas.CanvasEndpoint
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Endpoints;

namespace Canvas;

[JsonDerivedType(typeof(Circle), "circle")]
[JsonDerivedType(typeof(Square), "square")]
public abstract class Figure { public string Name { get; set; } = ""; }
public sealed class Circle : Figure { public double Radius { get; set; } }
public sealed class Square : Figure { public double Side { get; set; } }

public interface IShape { double Area { get; } }

[JsonConverter(typeof(JsonStringEnumConverter<Color>))]
public enum Color { Red, Green }

public enum Size { Small, Large }

public sealed class Paint
{
    public object? Anything { get; set; }
    public JsonElement Raw { get; set; }
    public JsonNode? Tree { get; set; }
    public IReadOnlyList<Figure> Figures { get; set; } = [];
    public IDictionary<string, int> Counts { get; set; } = new Dictionary<string, int>();
    public Color Color { get; set; }
    [JsonConverter(typeof(JsonStringEnumConverter<Size>))] public Size Size { get; set; }
    [JsonIgnore] public Func<int>? OnDone { get; set; }
    [JsonIgnore] public Stream? Body { get; set; }
}

public sealed class Painted
{
    public IShape? Shape { get; set; }
    public Figure? Figure { get; set; }
}

[JsonSerializable(typeof(Paint))]
[JsonSerializable(typeof(Painted))]
internal partial class CanvasJson : JsonSerializerContext;

[WebSocketEndpoint("/canvas", Sends = new[] { typeof(Painted) })]
public sealed class CanvasEndpoint
{
    public void OnMessage(Paint paint) { }
}
