using System.Diagnostics;
using System.Globalization;
using System.Text;
using Endpoints.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// How long the generator takes, and how much it allocates, on compilations of 1, 100 and 1,000 endpoints:
// a full run (a fresh driver, as on the first build) and an incremental run after an edit in one endpoint
// (as in the IDE), with how many endpoint files the edit re-emitted.
var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
    .Split(Path.PathSeparator)
    .Where(p => !Path.GetFileName(p).StartsWith("Endpoints.Generator", StringComparison.Ordinal))
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .ToArray();
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
const int Repetitions = 7;

var rows = new List<string>();
foreach (var count in new[] { 1, 100, 1000 })
{
    var trees = Enumerable.Range(0, count).Select(i => CSharpSyntaxTree.ParseText(Endpoint(i, body: "member.Count++;", extraCallback: false), parseOptions, $"Endpoint{i}.cs")).ToList();
    // The compiler runs generators on a fresh, unbound compilation; so does every full run here.
    CSharpCompilation NewCompilation() => CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    var compilation = NewCompilation();

    // Full runs: a fresh driver and compilation each time, as on a first build.
    Run(NewCompilation(), NewDriver()); // warm-up (JIT)
    var full = Measure(() => Run(NewCompilation(), NewDriver()));

    // Incremental: the driver has seen the compilation; one endpoint's method body changes.
    var driver = NewDriver().RunGenerators(compilation);
    var edit = 0;
    GeneratorDriver? last = null;
    var bodyEdit = Measure(() =>
    {
        var edited = compilation.ReplaceSyntaxTree(trees[0], CSharpSyntaxTree.ParseText(
            Endpoint(0, body: $"member.Count += {++edit};", extraCallback: false), parseOptions, "Endpoint0.cs"));
        last = driver.RunGenerators(edited);
    });
    var reEmittedByBodyEdit = ReEmitted(last!);

    var signatureEdit = Measure(() =>
    {
        var edited = compilation.ReplaceSyntaxTree(trees[0], CSharpSyntaxTree.ParseText(
            Endpoint(0, body: $"member.Count += {++edit};", extraCallback: true), parseOptions, "Endpoint0.cs"));
        last = driver.RunGenerators(edited);
    });
    var reEmittedBySignatureEdit = ReEmitted(last!);

    rows.Add(string.Create(CultureInfo.InvariantCulture,
        $"| {count:N0} | {full.Ms:F1} ms | {full.MB:F1} MB | {bodyEdit.Ms:F2} ms | {reEmittedByBodyEdit} | {signatureEdit.Ms:F2} ms | {reEmittedBySignatureEdit} |"));
    Console.WriteLine(rows[^1]);
}

// An unrelated edit (a file without endpoints) in a project with hundreds of references: what every keystroke
// outside an endpoint costs in the IDE. The references are the whole shared framework plus the packages this
// bench loads (Roslyn among them), as in a large web app.
var unrelated = string.Join("\n",
    UnrelatedEdit(references, parseOptions, 1, floor: false),
    UnrelatedEdit(references, parseOptions, 10, floor: false),
    UnrelatedEdit(references, parseOptions, 1, floor: true),
    UnrelatedEdit(references, parseOptions, 10, floor: true));
Console.WriteLine(unrelated);

var table = new StringBuilder()
    .AppendLine("| Endpoints | Full run | Allocated | Body edit in one endpoint | Files re-emitted | New callback in one endpoint | Files re-emitted |")
    .AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
foreach (var row in rows) table.AppendLine(row);
Console.WriteLine();
Console.WriteLine(table);
if (write is not null)
{
    Benchmarks.DocsSection.Write(write, "generator-scale", table.ToString());
    Benchmarks.DocsSection.Write(write, "generator-unrelated-edit",
        "| Generator | References | Endpoints | Incremental run | of which: finding referenced modules | parsing the endpoints again | Allocated |\n|---|---:|---:|---:|---:|---:|---:|\n" + unrelated + "\n");
}
return;

// floor: instead of Endpoints' generator, one that only finds the endpoint classes with ForAttributeWithMetadataName
// and names them. Roslyn runs every such transform again on each new compilation, so this is what any
// attribute-driven generator pays; the difference is the generator's own work.
static string UnrelatedEdit(MetadataReference[] references, CSharpParseOptions parseOptions, int endpoints, bool floor)
{
    var trees = Enumerable.Range(0, endpoints).Select(i => CSharpSyntaxTree.ParseText(Endpoint(i, body: "member.Count++;", extraCallback: false), parseOptions, $"Endpoint{i}.cs")).ToList();
    var other = CSharpSyntaxTree.ParseText("namespace Bench; public static class Helper { public static int Value() => 0; }", parseOptions, "Helper.cs");
    var compilation = CSharpCompilation.Create("Bench", trees.Append(other), references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    var driver = (floor
        ? CSharpGeneratorDriver.Create([new FloorGenerator().AsSourceGenerator()], parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true))
        : NewDriverFor(parseOptions)).RunGenerators(compilation);
    var edit = 0;
    var moduleStep = new List<double>();
    var parseStep = new List<double>();
    var timing = Measure(() =>
    {
        var edited = compilation.ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText(
            $"namespace Bench; public static class Helper {{ public static int Value() => {++edit}; }}", parseOptions, "Helper.cs"));
        var run = driver.RunGenerators(edited).GetRunResult().Results[0];
        // The step that looks at every referenced assembly (for other projects' endpoint modules).
        moduleStep.Add(run.TrackedSteps.TryGetValue(TrackingNames.Module, out var module) ? module.Sum(step => step.ElapsedTime.TotalMilliseconds) : 0);
        parseStep.Add(run.TrackedSteps[TrackingNames.ParseEndpoints].Sum(step => step.ElapsedTime.TotalMilliseconds));
    });
    moduleStep.Sort();
    parseStep.Sort();
    return string.Create(CultureInfo.InvariantCulture,
        $"| {(floor ? "floor: only finding the classes" : "Endpoints")} | {references.Length} | {endpoints} | {timing.Ms:F2} ms | {moduleStep[moduleStep.Count / 2]:F2} ms | {parseStep[parseStep.Count / 2]:F2} ms | {timing.MB:F2} MB |");
}

GeneratorDriver NewDriver() => NewDriverFor(parseOptions);

static GeneratorDriver NewDriverFor(CSharpParseOptions parseOptions) => CSharpGeneratorDriver.Create(
    [new WebSocketEndpointGenerator().AsSourceGenerator()],
    parseOptions: parseOptions,
    driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

static void Run(Compilation compilation, GeneratorDriver driver)
{
    var result = driver.RunGenerators(compilation).GetRunResult();
    if (result.Diagnostics.Length > 0 || result.Results[0].Exception is not null) throw new InvalidOperationException("The benchmark input must be valid: " + string.Join("; ", result.Diagnostics));
}

// Median time and allocations over the repetitions.
static (double Ms, double MB) Measure(Action action)
{
    var times = new List<double>();
    var bytes = new List<long>();
    for (var i = 0; i < Repetitions; i++)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        bytes.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
        times.Add(watch.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    bytes.Sort();
    return (times[Repetitions / 2], bytes[Repetitions / 2] / 1024.0 / 1024.0);
}

// How many endpoint source outputs ran on new or changed input in the last run.
static int ReEmitted(GeneratorDriver driver)
    => driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.EndpointsWithModule]
        .SelectMany(step => step.Outputs)
        .Count(output => output.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);

static string Endpoint(int i, string body, bool extraCallback) => $$"""
    using System;
    using System.Threading.Tasks;
    using Endpoints;

    namespace Bench.Area{{i % 10}};

    public sealed class Member{{i}} { public int Count; }

    [WebSocketEndpoint("/bench/{{i}}/{room}/{page?}")]
    public sealed class Endpoint{{i}}
    {
        public Member{{i}} OnOpen(WebSocketConnection connection, string room, int? page) => new Member{{i}}();
        public ValueTask OnText(Member{{i}} member, string text, WebSocketConnection connection) { {{body}} return connection.SendTextAsync(text); }
        public void OnBinary(Member{{i}} member, ReadOnlyMemory<byte> data) { }
        {{(extraCallback ? "public void OnError(Member" + i + " member, Exception error) { }" : "")}}
        public void OnClose(Member{{i}} member, WebSocketCloseInfo close) { }
    }
    """;

/// <summary>The least an attribute-driven generator does on each compilation: find the classes and name them.</summary>
internal sealed class FloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var names = context.SyntaxProvider
            .ForAttributeWithMetadataName("Endpoints.WebSocketEndpointAttribute", static (_, _) => true, static (c, _) => c.TargetSymbol.Name)
            .WithTrackingName(TrackingNames.ParseEndpoints);
        context.RegisterSourceOutput(names, static (output, name) => output.AddSource(name + ".g.cs", "// " + name));
    }
}
