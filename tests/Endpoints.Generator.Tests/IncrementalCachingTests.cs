using System.Collections;
using System.Reflection;
using Endpoints.Generator.Model;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Tests;

/// <summary>The pipeline re-does only what an edit touches: unrelated edits are cached, a real change regenerates one endpoint.</summary>
public sealed class IncrementalCachingTests
{
    private const string Chat = """
        using System;
        using Endpoints;

        namespace App;

        public sealed class Member { }

        [WebSocketEndpoint("/chat/{room}")]
        public sealed class ChatEndpoint
        {
            public Member OnOpen(string room) => new Member();
            public void OnText(Member member, string text) { Console.WriteLine(text); }
        }
        """;

    private const string Echo = """
        using Endpoints;

        namespace App;

        [WebSocketEndpoint("/echo")]
        public sealed class EchoEndpoint
        {
            public void OnText(string text) { }
        }
        """;

    private const string Helper = """
        namespace App;

        public static class Helper
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    [Fact]
    public void RunningTheSameCompilationAgainIsAllCached()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        AssertAll(result, TrackingNames.ParseEndpoints, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void AddingAnUnrelatedFileLeavesEveryEndpointCached()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var edited = compilation.AddSyntaxTrees(Parse("namespace App; public sealed class Unrelated { }", "Unrelated.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // ForAttributeWithMetadataName runs the parse again on a new compilation; the equal spec stops it there.
        AssertAll(result, TrackingNames.ParseEndpoints, IncrementalStepRunReason.Unchanged);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void AMethodBodyEditInANonEndpointClassLeavesEveryEndpointCached()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var edited = Replace(compilation, "Source2.cs", Helper.Replace("value * 2", "value + value"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertAll(result, TrackingNames.ParseEndpoints, IncrementalStepRunReason.Unchanged);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void ACommentOrBodyEditInAnEndpointReparsesItButChangesNoOutput()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var edited = Replace(compilation, "Source0.cs", Chat
            .Replace("public sealed class Member { }", "// members of a room\npublic sealed class Member { }")
            .Replace("Console.WriteLine(text);", "Console.WriteLine(text.ToUpperInvariant());"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // Both endpoints are parsed again (new compilation). The edited one's route moved down a line, so its
        // parse result is Modified, but its spec is equal: the JSON check after it is cached, and nothing that writes
        // code runs again.
        AssertExactly(result, TrackingNames.ParseEndpoints, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Modified);
        AssertAll(result, TrackingNames.JsonCoverage, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void ANewCallbackRegeneratesJustThatEndpoint()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var edited = Replace(compilation, "Source1.cs", Echo.Replace(
            "public void OnText(string text) { }",
            "public void OnText(string text) { }\n    public void OnClose(WebSocketCloseInfo close) { }"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertExactly(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Modified);
        Assert.Equal(IncrementalStepRunReason.Modified, EndpointOutput(result, "App.EchoEndpoint.WebSocketEndpoint.g.cs"));
        Assert.Equal(IncrementalStepRunReason.Cached, EndpointOutput(result, "App.ChatEndpoint.WebSocketEndpoint.g.cs"));
    }

    [Fact]
    public void ARouteChangeIsModified()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper);
        var edited = Replace(compilation, "Source1.cs", Echo.Replace("\"/echo\"", "\"/echo/v2\""));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.ValidEndpoints));
        Assert.Equal(IncrementalStepRunReason.Modified, EndpointOutput(result, "App.EchoEndpoint.WebSocketEndpoint.g.cs"));
    }

    [Fact]
    public void ASecondEndpointIsNewAndARemovedOneIsRemoved()
    {
        var (driver, compilation) = FirstRun(Chat, Helper);
        var added = compilation.AddSyntaxTrees(Parse(Echo, "Echo.cs"));
        driver = driver.RunGenerators(added);
        var result = driver.GetRunResult().Results.Single();
        AssertExactly(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached, IncrementalStepRunReason.New);

        var removed = added.RemoveSyntaxTrees(added.SyntaxTrees.Single(t => t.FilePath == "Echo.cs"));
        result = driver.RunGenerators(removed).GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Removed, Reasons(result, TrackingNames.ValidEndpoints));
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName == "App.EchoEndpoint.WebSocketEndpoint.g.cs");
    }

    [Fact]
    public void SpecsFromTwoFreshCompilationsAreEqualButNotTheSameObject()
    {
        var first = ParseSpecs(Chat, Echo);
        var second = ParseSpecs(Chat, Echo);
        Assert.Equal(2, first.Count);
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i], second[i]);
            Assert.Equal(first[i].GetHashCode(), second[i].GetHashCode());
            Assert.NotSame(first[i], second[i]);
        }
    }

    [Fact]
    public void NoSymbolSyntaxLocationOrCompilationIsReachableFromASpec()
    {
        foreach (var spec in ParseSpecs(Chat, Echo)) AssertOnlyPlainData(spec, new HashSet<object>(ReferenceEqualityComparer.Instance), "spec");
    }

    private static void AssertOnlyPlainData(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Location or Compilation or SemanticModel,
            $"{path} holds a {value.GetType().Name}, which pins a compilation in memory and defeats caching.");
        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items) AssertOnlyPlainData(item, seen, $"{path}[{i++}]");
            return;
        }
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            AssertOnlyPlainData(property.GetValue(value), seen, path + "." + property.Name);
        }
    }

    private static List<EndpointSpec> ParseSpecs(params string[] sources)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources));
        return GeneratorHarness.Ours(run.Result).TrackedSteps[TrackingNames.ValidEndpoints]
            .SelectMany(step => step.Outputs)
            .Select(output => (EndpointSpec)output.Value)
            .OrderBy(spec => spec.DisplayName, StringComparer.Ordinal)
            .ToList();
    }

    private static (GeneratorDriver Driver, Compilation Compilation) FirstRun(params string[] sources)
    {
        var compilation = GeneratorHarness.CreateCompilation(sources);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        return (driver, compilation);
    }

    private static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path);

    private static Compilation Replace(Compilation compilation, string path, string source)
    {
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, Parse(source, path));
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static void AssertAll(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        var reasons = Reasons(result, step).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Contains(reason, allowed));
    }

    private static void AssertExactly(GeneratorRunResult result, string step, params IncrementalStepRunReason[] expected)
        => Assert.Equal(expected.OrderBy(r => r), Reasons(result, step).OrderBy(r => r));

    private static void AssertOutputs(GeneratorRunResult result, params IncrementalStepRunReason[] allowed)
    {
        var reasons = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Contains(reason, allowed));
    }

    /// <summary>How the input of the per-endpoint source output that writes <paramref name="hintName"/> was produced.</summary>
    private static IncrementalStepRunReason EndpointOutput(GeneratorRunResult result, string hintName)
    {
        foreach (var step in result.TrackedSteps[TrackingNames.EndpointsWithModule])
        {
            foreach (var (value, reason) in step.Outputs)
            {
                if (value is ValueTuple<EndpointSpec, string> item && item.Item1.HintName == hintName) return reason;
            }
        }
        throw new InvalidOperationException("No endpoint output for " + hintName);
    }
}
