using System.Collections.Immutable;
using Endpoints.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Tests.Infrastructure;

/// <summary>Compiles C# source with the generator, the way the compiler does in a user's build.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // Everything the test process runs on: the BCL, ASP.NET Core, and Endpoints' own assemblies.
    public static MetadataReference[] References => s_references.Value;

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => !Path.GetFileName(path).StartsWith("Endpoints.Generator", StringComparison.Ordinal) && !Path.GetFileName(path).StartsWith("Endpoints.CodeFixes", StringComparison.Ordinal)
                           && !Path.GetFileName(path).StartsWith("Endpoints.Client.Generator", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public static CSharpCompilation CreateCompilation(string source, string assemblyName = "TestApp", IEnumerable<MetadataReference>? extraReferences = null)
        => CreateCompilation([source], assemblyName, extraReferences);

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, string assemblyName = "TestApp", IEnumerable<MetadataReference>? extraReferences = null)
        => CSharpCompilation.Create(
            assemblyName,
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            s_references.Value.Concat(extraReferences ?? []),
            // Nullable on and every warning wave: generated code must be clean in the strictest project.
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));

    // The typed client's generator runs beside the endpoint generator, as in a project with both packages.
    public static GeneratorDriver CreateDriver(bool withJsonGenerator = false) => CSharpGeneratorDriver.Create(
        withJsonGenerator
            ? [new WebSocketEndpointGenerator().AsSourceGenerator(), new Endpoints.Client.Generator.WebSocketClientGenerator().AsSourceGenerator(), .. s_jsonGenerator.Value]
            : [new WebSocketEndpointGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Our generator's part of a run (System.Text.Json's runs beside it for typed messages).</summary>
    public static GeneratorRunResult Ours(GeneratorDriverRunResult result)
        => result.Results.Single(r => r.Generator.GetGeneratorType() == typeof(WebSocketEndpointGenerator));

    /// <summary>Both of Endpoints' generators' parts of a run: the endpoint generator's and the typed client's (when it ran).</summary>
    public static IEnumerable<GeneratorRunResult> Both(GeneratorDriverRunResult result)
        => result.Results.Where(r => r.Generator.GetGeneratorType() == typeof(WebSocketEndpointGenerator)
                                     || r.Generator.GetGeneratorType() == typeof(Endpoints.Client.Generator.WebSocketClientGenerator));

    // System.Text.Json's source generator from the SDK's reference pack, as a user's build runs it: typed messages
    // name the context's generated Default property.
    private static readonly Lazy<ISourceGenerator[]> s_jsonGenerator = new(() =>
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!; // …/shared/Microsoft.NETCore.App/10.0.x
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var path = Directory.GetDirectories(Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref"))
            .OrderByDescending(static d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version())
            .Select(static d => Path.Combine(d, "analyzers", "dotnet", "cs", "System.Text.Json.SourceGeneration.dll"))
            .First(File.Exists);
        return new Microsoft.CodeAnalysis.Diagnostics.AnalyzerFileReference(path, new JsonGeneratorLoader()).GetGenerators(LanguageNames.CSharp).ToArray();
    });

    private sealed class JsonGeneratorLoader : Microsoft.CodeAnalysis.IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    public static GeneratorRun Run(string source, string assemblyName = "TestApp", IEnumerable<MetadataReference>? extraReferences = null)
        => Run(CreateCompilation(source, assemblyName, extraReferences));

    public static GeneratorRun Run(Compilation compilation)
    {
        var driver = CreateDriver(withJsonGenerator: true).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        foreach (var part in Both(result))
        {
            if (part.Exception is { } exception) throw new InvalidOperationException("The generator threw: " + exception, exception);
        }
        return new GeneratorRun(output, result);
    }
}

/// <summary>What one generator run gave: the compilation with generated code added, and the run's result.</summary>
internal sealed record GeneratorRun(Compilation Output, GeneratorDriverRunResult Result)
{
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => [.. GeneratorHarness.Both(Result).SelectMany(static r => r.Diagnostics)];

    public ImmutableArray<GeneratedSourceResult> Sources => [.. GeneratorHarness.Both(Result).SelectMany(static r => r.GeneratedSources)];

    /// <summary>Errors and warnings of the compilation including generated code.</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems => Output.GetDiagnostics()
        .Where(d => d.Severity >= DiagnosticSeverity.Warning)
        .ToList();

    public void AssertCompilesCleanly()
    {
        Assert.Empty(GeneratorDiagnostics);
        var problems = CompilationProblems;
        Assert.True(problems.Count == 0, "The compilation has problems:\n" + string.Join("\n", problems));
    }
}
