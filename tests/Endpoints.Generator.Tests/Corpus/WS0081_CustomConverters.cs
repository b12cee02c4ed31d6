// A message, or a property of one, written by a JsonConverter of the app's: the contract cannot see what it writes.
// expect WS0081 at `typeof(Point)`#2: 'Point' is written by the custom converter 'PointConverter', whose JSON the generator cannot see, so the AsyncAPI document and the TypeScript client describe it as any JSON; remove [JsonConverter(typeof(PointConverter))] from 'Point', so that the context writes it property by property, or, if free-form JSON is meant, silence WS0081 where it is reported ('#pragma warning disable WS0081')
// expect WS0081 at `When`: 'When' of 'Stroke' is written by the custom converter 'UnixTimeConverter', whose JSON the generator cannot see, so the AsyncAPI document and the TypeScript client describe it as any JSON; remove [JsonConverter(typeof(UnixTimeConverter))] from the property, so that the context writes 'DateTime' as the contract describes it, or, if free-form JSON is meant, silence WS0081 where it is reported ('#pragma warning disable WS0081')
// expect WS0081 at `Origin`: 'Origin' of 'Stroke' is written by the custom converter 'PointConverter', whose JSON the generator cannot see, so the AsyncAPI document and the TypeScript client describe it as any JSON; remove [JsonConverter(typeof(PointConverter))] from 'Point', so that the context writes it property by property, or, if free-form JSON is meant, silence WS0081 where it is reported ('#pragma warning disable WS0081')
// generates: Ink.InkEndpoint
using System;
using System.Text.Json;
using System.Text.Json.Serialization;
using Endpoints;

namespace Ink;

[JsonConverter(typeof(PointConverter))]
public sealed record Point(double X, double Y);

public sealed class PointConverter : JsonConverter<Point>
{
    public override Point Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(0, 0);
    public override void Write(Utf8JsonWriter writer, Point value, JsonSerializerOptions options) => writer.WriteStringValue($"{value.X},{value.Y}");
}

public sealed class UnixTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => DateTime.UnixEpoch.AddSeconds(reader.GetInt64());
    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteNumberValue((long)(value - DateTime.UnixEpoch).TotalSeconds);
}

public sealed class Stroke
{
    [JsonConverter(typeof(UnixTimeConverter))]
    public DateTime When { get; set; }
    public Point? Origin { get; set; }
}

[JsonSerializable(typeof(Point))]
[JsonSerializable(typeof(Stroke))]
internal partial class InkJson : JsonSerializerContext;

[WebSocketEndpoint("/ink", Sends = new[] { typeof(Point) })]
public sealed class InkEndpoint
{
    public void OnMessage(Stroke stroke) { }
}
