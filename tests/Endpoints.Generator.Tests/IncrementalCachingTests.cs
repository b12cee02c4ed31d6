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

    // Typed messages with a JSON context and Sends (received, sent, a record struct, OnInvalidMessage), a route value
    // and a service: each type's place (for WS0050) is what a spec must not carry.
    private const string Game = """
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using Endpoints;

        namespace App;

        public sealed record Move(int X, int Y);

        [WebSocketMessage("chat")]
        public sealed record ChatLine(string Text);

        public sealed record Moved(string Player, int X, int Y);

        public readonly record struct Said(string Player, string Text);

        [JsonSerializable(typeof(Move))]
        [JsonSerializable(typeof(ChatLine))]
        [JsonSerializable(typeof(Moved))]
        [JsonSerializable(typeof(Said))]
        internal partial class GameJson : JsonSerializerContext;

        [WebSocketEndpoint("/game/{table}", Sends = new[] { typeof(Moved), typeof(Said) })]
        public sealed class GameEndpoint(IWebSocketClients<GameEndpoint> clients)
        {
            public string OnOpen(string table) => table;

            public async Task OnMessage(string table, Move move) => await clients.Group(table).SendAsync(new Moved("someone", move.X, move.Y));

            public ValueTask OnMessage(ChatLine line, WebSocketConnection connection) => connection.SendAsync(new Said("me", line.Text));

            public void OnInvalidMessage(WebSocketInvalidMessage invalid, WebSocketConnection connection) => connection.TrySendText(invalid.Detail);
        }
        """;

    // Streamed callbacks (Stream, TextReader), record-struct state from a typed route value, a query value, a record endpoint.
    private const string Upload = """
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Endpoints;
        using Microsoft.AspNetCore.Mvc;

        namespace App;

        public readonly record struct Slot(int Number, string? Tag);

        [WebSocketEndpoint("/upload/{number:int}", MaxStreamedMessageSize = 1024L * 1024, SubProtocols = new[] { "upload.v1" })]
        public sealed record UploadEndpoint
        {
            public ValueTask<Slot> OnOpen(int number, [FromQuery] string? tag) => new(new Slot(number, tag));

            public async ValueTask OnBinary(Slot slot, Stream data, CancellationToken closed) => await data.CopyToAsync(Stream.Null, closed);

            public async Task OnText(Slot slot, TextReader text) => await text.ReadToEndAsync();

            public void OnClose(Slot slot, WebSocketCloseInfo close) { }
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
        var library = GeneratorHarness.Run(Echo.Replace("namespace App;", "namespace Library;").Replace("\"/echo\"", "\"/library/echo\""), assemblyName: "Library");
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Chat, Echo, Game, Upload, Helper], extraReferences: [library.Output.ToMetadataReference()]));
        run.AssertCompilesCleanly();
        Assert.Equal(4, AssertNoSymbolReachable(run.Result));
    }

    public static TheoryData<string> ValidCorpusCases => new(CorpusCase.Names().Where(name => name.StartsWith("Valid_", StringComparison.Ordinal)));

    /// <summary>Every valid shape of the corpus (typed messages, streams, records, state shapes, routes…) gives plain data.</summary>
    [Theory]
    [MemberData(nameof(ValidCorpusCases))]
    public void NoSymbolSyntaxLocationOrCompilationIsReachableFromTheSpecsOfTheValidCorpus(string name)
    {
        var corpus = CorpusCase.Load(name);
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([corpus.Source]));
        Assert.Equal(corpus.Generates.Count, AssertNoSymbolReachable(run.Result));
    }

    [Fact]
    public void AnEditInATypedMessageEndpointsFileChangesNoOutput()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper, Game, Upload);
        var edited = Replace(compilation, "Source3.cs", Game
            .Replace("public sealed record Move(", "// a move on the board\npublic sealed record Move(")
            .Replace("move.X, move.Y", "move.X + 0, move.Y"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // Every place in the file moved down a line; the spec does not hold any of them, so nothing that writes code runs again.
        AssertAll(result, TrackingNames.JsonCoverage, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void AnEditInAStreamedEndpointsFileChangesNoOutput()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper, Game, Upload);
        var edited = Replace(compilation, "Source4.cs", Upload.Replace("public readonly record struct Slot", "// a slot\npublic readonly record struct Slot"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertAll(result, TrackingNames.JsonCoverage, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.ValidEndpoints, IncrementalStepRunReason.Cached);
        AssertOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void AnEditThatLeavesTheContractAloneLeavesTheDocumentAndTheClientCached()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper, Game, Upload);
        // A callback's body and a new constructor service: the endpoint's code changes, what goes over the wire does not.
        var edited = Replace(compilation, "Source3.cs", Game
            .Replace("move.X, move.Y", "move.X + 0, move.Y")
            .Replace("(IWebSocketClients<GameEndpoint> clients)", "(IWebSocketClients<GameEndpoint> clients, System.TimeProvider time)"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.ValidEndpoints));
        AssertAll(result, TrackingNames.Contracts, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.AsyncApiDocument, IncrementalStepRunReason.Cached);
        AssertAll(result, TrackingNames.TypeScriptClient, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void AChangedMessageTypeWritesTheDocumentAndTheClientAgain()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper, Game, Upload);
        var edited = Replace(compilation, "Source3.cs", Game.Replace("public sealed record Moved(string Player, int X, int Y);", "public sealed record Moved(string Player, int X, int Y, int Z);"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertAll(result, TrackingNames.Contracts, IncrementalStepRunReason.Modified);
        AssertAll(result, TrackingNames.AsyncApiDocument, IncrementalStepRunReason.Modified);
        AssertAll(result, TrackingNames.TypeScriptClient, IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void AnOnMessageThatNowReturnsAReplyWritesTheDocumentAndTheClientAgain()
    {
        var (driver, compilation) = FirstRun(Chat, Echo, Helper, Game, Upload);
        // The reply is part of the contract (the document's reply, the client's request()), not only of the endpoint's code.
        var edited = Replace(compilation, "Source3.cs", Game.Replace(
            "public ValueTask OnMessage(ChatLine line, WebSocketConnection connection) => connection.SendAsync(new Said(\"me\", line.Text));",
            "public Said OnMessage(ChatLine line) => new Said(\"me\", line.Text);"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertAll(result, TrackingNames.Contracts, IncrementalStepRunReason.Modified);
        AssertAll(result, TrackingNames.AsyncApiDocument, IncrementalStepRunReason.Modified);
        AssertAll(result, TrackingNames.TypeScriptClient, IncrementalStepRunReason.Modified);
    }

    /// <summary>
    /// Walks what every step that carries specs holds (the spec of a parse result, the JSON check's result, the valid
    /// endpoints, the module) and fails on a symbol, syntax, location or compilation; returns how many valid specs there were.
    /// </summary>
    private static int AssertNoSymbolReachable(GeneratorDriverRunResult run)
    {
        var result = GeneratorHarness.Ours(run);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var step in new[] { TrackingNames.ParseEndpoints, TrackingNames.JsonCoverage, TrackingNames.JsonContexts, TrackingNames.ValidEndpoints,
                     TrackingNames.EndpointsWithModule, TrackingNames.AllEndpoints, TrackingNames.Module, TrackingNames.Contracts, TrackingNames.AsyncApiApp })
        {
            foreach (var (value, _) in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                // A parse result carries real diagnostics and the route's place beside its spec, by design: only its spec is plain data.
                var plain = value switch
                {
                    EndpointParseResult parsed => (parsed.Spec, parsed.Contract),
                    _ when value.GetType().GetProperty("Spec") is { } spec => spec.GetValue(value),
                    _ => value,
                };
                AssertOnlyPlainData(plain, seen, step);
            }
        }
        return result.TrackedSteps[TrackingNames.ValidEndpoints].SelectMany(s => s.Outputs).Count();
    }

    private static void AssertOnlyPlainData(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Location or Compilation or SemanticModel,
            $"{path} holds a {value.GetType().Name}, which pins a compilation in memory and defeats caching.");
        if (value is System.Runtime.CompilerServices.ITuple tuple)
        {
            for (var i = 0; i < tuple.Length; i++) AssertOnlyPlainData(tuple[i], seen, $"{path}.Item{i + 1}");
            return;
        }
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
