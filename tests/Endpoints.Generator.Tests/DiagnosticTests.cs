using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>
/// What the corpus (CorpusTests) does not cover: code that does not compile yet, and the catalogue's bookkeeping.
/// Every diagnostic itself has a corpus case.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Endpoints;
        using Microsoft.AspNetCore.Mvc;

        """;

    [Theory]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B(Missing service) { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B { public UnknownState OnOpen() => null!; public void OnText(UnknownState s, string text) { } }")]
    [InlineData("[WebSocketEndpoint(] public sealed class C { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public void OnText(Undefined text) { } public void OnOpen(")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public Task<Unknown> OnOpen() => null!; }")]
    public void UnresolvedTypesGiveNoExceptionNoDiagnosticAndNoCode(string code)
    {
        // The compiler reports the unknown types; the generator neither throws, adds an error of its own, nor
        // generates code against types that do not exist.
        var run = GeneratorHarness.Run(Usings + code); // throws if the generator threw
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketEndpoint.g.cs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("E", "[WebSocketEndpoint(\"/e\")] public sealed class E { public void OnBinary(ReadOnlyMemory<byte> data) { _x = data; } }")]
    [InlineData("F", "[WebSocketEndpoint(\"/f\")] public sealed class F { public void OnBinary(ReadOnlyMemory<byte> data) => Unknown(() => data")]
    [InlineData("A", "[WebSocketEndpoint(\"/a\")] public sealed class A { public void OnText(string text) { ")]
    public void ABrokenMethodBodyStillGeneratesWhileBeingTyped(string endpoint, string code)
    {
        // Signatures are all the generator needs: while the user types a body, the IDE keeps the generated code
        // (parser recovery completes a class with missing braces), and the generator throws nothing. F's half-typed
        // lambda does capture the buffer, so its WS0040 warning is right.
        var run = GeneratorHarness.Run(Usings + code);
        Assert.Equal(endpoint == "F" ? ["WS0040"] : [], run.GeneratorDiagnostics.Select(d => d.Id));
        Assert.Contains(run.Sources, s => s.HintName == endpoint + ".WebSocketEndpoint.g.cs");
    }

    [Fact]
    public void ClientsOfAnEndpointOfAReferencedAssemblyAreFine()
    {
        // The corpus is one compilation; an endpoint class of another assembly carries its attribute in metadata.
        var library = GeneratorHarness.Run(Usings + "namespace Library; [WebSocketEndpoint(\"/library\")] public sealed class LibraryEndpoint { public void OnText(string text) { } }",
            assemblyName: "Library");
        library.AssertCompilesCleanly();
        var app = GeneratorHarness.Run(Usings + """
            public sealed class NotAnEndpoint { }
            public sealed class Relay(IWebSocketClients<Library.LibraryEndpoint> library, IWebSocketClients<NotAnEndpoint> other)
            {
                public Task Send(string text) => library.All.SendTextAsync(text).AsTask();
            }
            """, extraReferences: [library.Output.ToMetadataReference()]);
        var diagnostic = Assert.Single(app.GeneratorDiagnostics);
        Assert.Equal("WS0070", diagnostic.Id);
        // No endpoint in this project to suggest.
        Assert.EndsWith("name the class marked [WebSocketEndpoint] whose connections it should reach", diagnostic.GetMessage());
    }

    [Fact]
    public void EveryDescriptorHasADocsPageAReleaseEntryAndACorpusCase()
    {
        var root = RepositoryRoot();
        var releases = File.ReadAllText(Path.Combine(root, "src", "Endpoints.Generator", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "src", "Endpoints.Generator", "AnalyzerReleases.Shipped.md"));
        var index = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        var corpus = string.Join("\n", CorpusCase.Names().Select(name => File.ReadAllText(Path.Combine(CorpusCase.Directory(), name + ".cs"))));
        var descriptors = typeof(Endpoints.Generator.Diagnostics.DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().ToList();
        Assert.True(descriptors.Count >= 25, "expected the whole catalogue");
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var descriptor in descriptors)
        {
            Assert.True(File.Exists(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md")), $"docs/diagnostics/{descriptor.Id}.md is missing");
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", index);
            Assert.Contains(descriptor.Id + " |", releases);
            Assert.EndsWith("docs/diagnostics/" + descriptor.Id + ".md", descriptor.HelpLinkUri);
            Assert.True(corpus.Contains($"// expect {descriptor.Id} at ", StringComparison.Ordinal), $"No corpus case shows {descriptor.Id}: add one to tests/Endpoints.Generator.Tests/Corpus.");
        }
        // The README counts them, and names the last id.
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Assert.Contains($"[{descriptors.Count} diagnostics](docs/diagnostics/README.md)", readme);
        Assert.Contains($"`WS0001`…`{descriptors.Max(d => d.Id)}`", readme);
    }

    [Fact]
    public void HelpLinksPointAtTheRepositoryUrlTheBuildDeclares()
    {
        var props = File.ReadAllText(Path.Combine(RepositoryRoot(), "Directory.Build.props"));
        var repository = System.Text.RegularExpressions.Regex.Match(props, "<RepositoryUrl>([^<]+)</RepositoryUrl>").Groups[1].Value;
        Assert.NotEmpty(repository);
        Assert.Equal(Endpoints.Generator.Diagnostics.DiagnosticDescriptors.HelpLinkBase, repository + "/blob/main/docs/diagnostics/");
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
