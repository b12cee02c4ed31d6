using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Benchmarks;
using Endpoints.Runtime.Generated;

// Dispatch of a received typed message: find its type, deserialize once, call the handler. "endpoints" runs the
// helpers the generated OnTextAsync calls (WebSocketJson.TryReadType, TypeIs, TryDeserialize); "handwritten" is
// what a careful developer writes: a Utf8JsonReader pass for "type", a switch on the string, JsonSerializer.Deserialize
// with the same source-generated JsonTypeInfo. Same payloads, alternating reps; CPU by Stopwatch over 1,000,000
// messages per rep, allocations by GC.GetAllocatedBytesForCurrentThread.
// Run: dotnet run -c Release --project bench/TypedMessages [-- --write docs/benchmarks.md]
const int Messages = 1_000_000;
const int Reps = 5;
var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();
byte[][] payloads =
[
    """{"type":"move","x":3,"y":4}"""u8.ToArray(),
    """{"type":"chat","text":"hello there, this is a chat line"}"""u8.ToArray(),
    """{"x":12,"y":-7,"type":"move"}"""u8.ToArray(),
];
var sink = new Sink();

var ours = new List<(double Ns, double Bytes)>();
var theirs = new List<(double Ns, double Bytes)>();
// Warm-up: one unrecorded rep of each, so both measuring loops are at their final tier.
Measure(p => Generated(p, sink));
Measure(p => HandWritten(p, sink));
for (var rep = 0; rep < Reps; rep++)
{
    ours.Add(Measure(p => Generated(p, sink)));
    theirs.Add(Measure(p => HandWritten(p, sink)));
}

foreach (var (o, t) in ours.Zip(theirs)) Console.WriteLine($"rep: endpoints {o.Ns:F1} ns {o.Bytes:F1} B, hand-written {t.Ns:F1} ns {t.Bytes:F1} B");
static double Median(IEnumerable<double> values) { var sorted = values.Order().ToList(); return sorted[sorted.Count / 2]; }
var ratios = ours.Zip(theirs, static (o, t) => o.Ns / t.Ns).ToList();
var table = new StringBuilder();
table.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd}; {Reps} alternating reps of {Messages:N0} messages (3 payloads, 27–58 bytes).");
table.AppendLine();
table.AppendLine("| Dispatch | ns/message (median) | allocated B/message | of which the message object |");
table.AppendLine("|---|---:|---:|---:|");
table.AppendLine(CultureInfo.InvariantCulture, $"| endpoints (generated) | {Median(ours.Select(o => o.Ns)):F1} | {Median(ours.Select(o => o.Bytes)):F1} | {sink.ObjectBytes:F1} |");
table.AppendLine(CultureInfo.InvariantCulture, $"| hand-written switch | {Median(theirs.Select(o => o.Ns)):F1} | {Median(theirs.Select(o => o.Bytes)):F1} | {sink.ObjectBytes:F1} |");
table.AppendLine();
table.AppendLine(CultureInfo.InvariantCulture, $"CPU ratio (endpoints ÷ hand-written, per rep): median {Median(ratios):F2} (reps {string.Join(", ", ratios.Order().Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); target ≤ 1.05.");
Console.Write(table);
if (write is not null) DocsSection.Write(write, "typed", table.ToString());
return;

(double Ns, double Bytes) Measure(Action<byte[]> dispatch)
{
    var before = GC.GetAllocatedBytesForCurrentThread();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < Messages; i++) dispatch(payloads[i % 3]);
    watch.Stop();
    return (watch.Elapsed.TotalNanoseconds / Messages, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Messages);
}

static void Generated(byte[] utf8, Sink sink)
{
    var span = utf8.AsSpan();
    if (!WebSocketJson.TryReadType(span, "type"u8, out var type, out _, out var escaped)) throw new InvalidOperationException();
    if (WebSocketJson.TypeIs(span, type, escaped, "move"u8))
    {
        if (!WebSocketJson.TryDeserialize(span, BenchJson.Default.Move, out var move, out _)) throw new InvalidOperationException();
        sink.On(move);
        return;
    }
    if (WebSocketJson.TypeIs(span, type, escaped, "chat"u8))
    {
        if (!WebSocketJson.TryDeserialize(span, BenchJson.Default.Chat, out var chat, out _)) throw new InvalidOperationException();
        sink.On(chat);
        return;
    }
    throw new InvalidOperationException();
}

static void HandWritten(byte[] utf8, Sink sink)
{
    string? type = null;
    var reader = new Utf8JsonReader(utf8);
    reader.Read();
    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
    {
        var isType = reader.ValueTextEquals("type"u8);
        reader.Read();
        if (isType)
        {
            type = reader.GetString();
            break;
        }
        reader.Skip();
    }
    switch (type)
    {
        case "move": sink.On(JsonSerializer.Deserialize(utf8, BenchJson.Default.Move)!); break;
        case "chat": sink.On(JsonSerializer.Deserialize(utf8, BenchJson.Default.Chat)!); break;
        default: throw new InvalidOperationException();
    }
}

internal sealed record Move(int X, int Y);

internal sealed record Chat(string Text);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Move))]
[JsonSerializable(typeof(Chat))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>Takes the messages, and says what the message objects themselves cost (the floor both must allocate).</summary>
internal sealed class Sink
{
    private long _sum;

    public double ObjectBytes { get; } = MeasureObjects();

    public void On(Move move) => _sum += move.X;

    public void On(Chat chat) => _sum += chat.Text.Length;

    private static double MeasureObjects()
    {
        // Move (two ints) twice and a Chat with its 32-character string, per three messages.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            GC.KeepAlive(new Move(i, i));
            GC.KeepAlive(new Chat(new string('x', 32)));
            GC.KeepAlive(new Move(i, -i));
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 3000.0;
    }
}
