using System.Reflection;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Tests;

/// <summary>
/// Runs every file of the corpus (tests/Endpoints.Generator.Tests/Corpus): the generator must report exactly the
/// diagnostics its header expects (id, token and whole message), generate exactly the endpoints it names, and leave
/// no compiler error anywhere and no warning inside generated code. Every diagnostic can be silenced the three
/// ways a user silences one: <c>#pragma warning disable</c>, <c>&lt;NoWarn&gt;</c> and an .editorconfig severity.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Cases => new(CorpusCase.Names());

    // Program.cs of the app: MapWebSocketEndpoints() must exist whatever mistakes the endpoints have.
    private const string Program = """
        using Microsoft.AspNetCore.Builder;

        internal static class CorpusProgram
        {
            internal static void Map(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder routes) => routes.MapWebSocketEndpoints();
        }
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheGeneratorSaysExactlyWhatTheCaseExpects(string name)
    {
        var corpus = CorpusCase.Load(name);
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([corpus.Source, Program]));
        var tree = run.Output.SyntaxTrees.First();

        var actual = run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(
            corpus.Expected.OrderBy(e => e.Span.Start).Select(e => $"{e.Id} at {Line(tree, e.Span)} `{corpus.Source.Substring(e.Span.Start, e.Span.Length)}`: {e.Message}"),
            actual.Select(d => $"{d.Id} at {Line(tree, d.Location.SourceSpan)} `{corpus.Source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}`: {d.GetMessage()}"));
        foreach (var diagnostic in actual)
        {
            Assert.Same(tree, diagnostic.Location.SourceTree);
            Assert.Equal(diagnostic.Descriptor.DefaultSeverity, diagnostic.Severity);
            Assert.Equal($"{Endpoints.Generator.Diagnostics.DiagnosticDescriptors.HelpLinkBase}{diagnostic.Id}.md", diagnostic.Descriptor.HelpLinkUri);
        }

        var generated = run.Sources.Select(s => s.HintName).Where(h => h.EndsWith(".WebSocketEndpoint.g.cs", StringComparison.Ordinal))
            .Select(h => h[..^".WebSocketEndpoint.g.cs".Length]).Order(StringComparer.Ordinal);
        Assert.Equal(corpus.Generates.Order(StringComparer.Ordinal), generated);

        // One mistake, one error: no compiler error anywhere (MapWebSocketEndpoints exists), and nothing at all inside
        // generated code, at every warning level with nullable on.
        var problems = run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree != tree && d.Location.IsInSource))
            .ToList();
        Assert.True(problems.Count == 0, "The compilation has problems:\n" + string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryDiagnosticCanBeSilencedByPragmaNoWarnAndEditorConfig(string name)
    {
        var corpus = CorpusCase.Load(name);
        var ids = corpus.Expected.Select(e => e.Id).Distinct().ToList();
        if (ids.Count == 0) return; // a valid endpoint: nothing to silence

        var pragma = GeneratorHarness.Run($"#pragma warning disable {string.Join(", ", ids)}\n" + corpus.Source);
        Assert.NotEmpty(pragma.GeneratorDiagnostics);
        Assert.All(pragma.GeneratorDiagnostics, d => Assert.True(Filter(pragma.Output.Options, d) is null or { IsSuppressed: true }, $"#pragma does not silence {d}"));

        var plain = GeneratorHarness.Run(corpus.Source);
        Assert.All(plain.GeneratorDiagnostics, d => Assert.False(Filter(plain.Output.Options, d) is null or { IsSuppressed: true }, $"{d} is silenced without being asked to"));

        var noWarn = plain.Output.Options.WithSpecificDiagnosticOptions(ids.ToDictionary(id => id, _ => ReportDiagnostic.Suppress));
        Assert.All(plain.GeneratorDiagnostics, d => Assert.Null(Filter(noWarn, d)));

        var editorConfig = plain.Output.Options.WithSyntaxTreeOptionsProvider(new SeverityNone(ids));
        Assert.All(plain.GeneratorDiagnostics, d => Assert.Null(Filter(editorConfig, d)));
    }

    private static string Line(SyntaxTree tree, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        var position = tree.GetLineSpan(span).StartLinePosition;
        return $"{position.Line + 1}:{position.Character + 1}";
    }

    /// <summary>What the compiler does to a generator's diagnostic before showing it: severities, NoWarn, .editorconfig, #pragma.</summary>
    private static Diagnostic? Filter(CompilationOptions options, Diagnostic diagnostic)
        => (Diagnostic?)s_filter.Invoke(options, [diagnostic, CancellationToken.None]);

    private static readonly MethodInfo s_filter = typeof(CompilationOptions).GetMethod("FilterDiagnostic", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new InvalidOperationException("Roslyn no longer has CompilationOptions.FilterDiagnostic; find what the compiler filters generator diagnostics with now.");

    /// <summary>What `dotnet_diagnostic.WSxxxx.severity = none` in an .editorconfig gives the compiler.</summary>
    private sealed class SeverityNone(IReadOnlyCollection<string> ids) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Suppress;
            return ids.Contains(diagnosticId);
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }
}
