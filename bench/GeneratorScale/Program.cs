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

var table = new StringBuilder()
    .AppendLine("| Endpoints | Full run | Allocated | Body edit in one endpoint | Files re-emitted | New callback in one endpoint | Files re-emitted |")
    .AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
foreach (var row in rows) table.AppendLine(row);
Console.WriteLine();
Console.WriteLine(table);
if (write is not null) Benchmarks.DocsSection.Write(write, "generator-scale", table.ToString());
return;

GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(
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
