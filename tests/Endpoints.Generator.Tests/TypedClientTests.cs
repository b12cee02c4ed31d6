using System.Collections.Immutable;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Tests;

/// <summary>
/// The typed C# client ([WebSocketClient], Endpoints.Client's generator): what it writes for an endpoint of the same
/// project and for one read from a compiled assembly (metadata), that it compiles cleanly, and what it says of mistakes
/// only a second assembly can make. Each diagnostic has a corpus case besides.
/// </summary>
public sealed class TypedClientTests
{
    private const string GameEndpoint = """
        using System;
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using Endpoints;
        using Microsoft.AspNetCore.Mvc;

        namespace Game
        {
        public sealed record Move(int X, int Y);
        [WebSocketMessage("chat")] public sealed record ChatLine(string Text);
        public sealed record Join(string Name);
        public sealed record Joined(int Members);
        public sealed record Moved(string Player, int X, int Y);
        public sealed record Said(string Player, string Text);

        public enum Mode { Casual, Ranked }

        [WebSocketEndpoint("/game/{table:int}/{*rest}", Sends = new[] { typeof(Moved), typeof(Said) }, SubProtocols = new[] { "game.v1" })]
        public sealed class GameEndpoint
        {
            public string OnOpen(int table, string? rest, [FromQuery] Mode mode, [FromQuery(Name = "class")] string? seat) => $"{table}/{rest}/{mode}/{seat}";
            public Task OnMessage(string player, Move move) => Task.CompletedTask;
            public void OnMessage(ChatLine line) { }
            public Joined OnMessage(Join join) => new(1);
        }
        }

        """;

    private const string PublicContext = """
        namespace Game
        {
            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Move))]
            [JsonSerializable(typeof(ChatLine))]
            [JsonSerializable(typeof(Join))]
            [JsonSerializable(typeof(Joined))]
            [JsonSerializable(typeof(Moved))]
            [JsonSerializable(typeof(Said))]
            public partial class GameJson : JsonSerializerContext;
        }

        """;

    [Fact]
    public void AClientOfAnEndpointOfTheSameProject()
    {
        var run = GeneratorHarness.Run(GameEndpoint + PublicContext + """
            namespace Players
            {
                [Endpoints.Client.WebSocketClient(typeof(Game.GameEndpoint))]
                public sealed partial class GameClient;
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void AClientOfAnEndpointInAnotherAssemblyUsesItsPublicContext()
    {
        var library = CompiledLibrary(GameEndpoint + PublicContext);
        var run = GeneratorHarness.Run("""
            namespace Players;

            [Endpoints.Client.WebSocketClient(typeof(Game.GameEndpoint))]
            public sealed partial class GameClient;
            """, extraReferences: [library]);
        run.AssertCompilesCleanly();
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".WebSocketClient.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        // The same code as for an endpoint of its own project: the contract is read alike from metadata.
        var sameProject = GeneratorHarness.Run(GameEndpoint + PublicContext + """
            namespace Players
            {
                [Endpoints.Client.WebSocketClient(typeof(Game.GameEndpoint))]
                public sealed partial class GameClient;
            }
            """).Sources.Single(s => s.HintName == "Players.GameClient.WebSocketClient.g.cs").SourceText.ToString();
        Assert.Equal(sameProject, source);
    }

    [Fact]
    public void AnInternalContextOfTheEndpointsAssemblyGivesWayToOneOfTheClientsProject()
    {
        var library = CompiledLibrary("""
            using System.Text.Json.Serialization;
            using System.Threading.Tasks;
            using Endpoints;

            namespace Prices;

            public sealed record Subscribe(string Symbol);
            public sealed record Price(string Symbol, decimal Value);

            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Subscribe))]
            [JsonSerializable(typeof(Price))]
            internal partial class PriceJson : JsonSerializerContext;

            [WebSocketEndpoint("/prices", Sends = new[] { typeof(Price) })]
            public sealed class PriceEndpoint
            {
                public ValueTask OnMessage(Subscribe subscribe, WebSocketConnection connection) => connection.SendAsync(new Price(subscribe.Symbol, 1m));
            }
            """);
        var run = GeneratorHarness.Run("""
            using System.Text.Json.Serialization;

            namespace Watchers;

            [Endpoints.Client.WebSocketClient(typeof(Prices.PriceEndpoint))]
            internal sealed partial class PriceClient;

            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Prices.Subscribe))]
            [JsonSerializable(typeof(Prices.Price))]
            internal partial class WatcherJson : JsonSerializerContext;
            """, extraReferences: [library]);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void WithoutAContextItCanUseTheClientSaysWhatToDeclare()
    {
        var library = CompiledLibrary("""
            using System.Text.Json.Serialization;
            using Endpoints;

            namespace Prices;

            public sealed record Subscribe(string Symbol);

            [JsonSerializable(typeof(Subscribe))]
            internal partial class PriceJson : JsonSerializerContext;

            [WebSocketEndpoint("/prices")]
            public sealed class PriceEndpoint
            {
                public void OnMessage(Subscribe subscribe) { }
            }
            """);
        var run = GeneratorHarness.Run("""
            [Endpoints.Client.WebSocketClient(typeof(Prices.PriceEndpoint))]
            internal sealed partial class PriceClient;
            """, extraReferences: [library]);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("WS0092", diagnostic.Id);
        Assert.Equal("typeof(Prices.PriceEndpoint)", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.StartsWith("the endpoint 'PriceEndpoint''s JSON context is not visible here, and no JsonSerializerContext of this project covers 'Prices.Subscribe'", diagnostic.GetMessage());
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketClient.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEndpointWhoseTypesThisProjectCannotSeeIsSaidSo()
    {
        // The endpoint's callback takes a type of an assembly the client's project does not reference.
        var services = CompiledLibrary("namespace Services; public sealed class Board { }", "Services");
        var library = CompiledLibrary("""
            using Endpoints;

            namespace Prices;

            [WebSocketEndpoint("/board")]
            public sealed class BoardEndpoint
            {
                public void OnText(string text, [Microsoft.AspNetCore.Mvc.FromServices] Services.Board board) { }
            }
            """, extraReferences: [services]);
        var run = GeneratorHarness.Run("""
            [Endpoints.Client.WebSocketClient(typeof(Prices.BoardEndpoint))]
            internal sealed partial class BoardClient;
            """, extraReferences: [library]);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("WS0093", diagnostic.Id);
        Assert.StartsWith("The contract of 'BoardEndpoint' cannot be read (some types it names are unknown here)", diagnostic.GetMessage());
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketClient.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void AClientIsCachedWhenAnUnrelatedFileChangesAndModifiedWhenItsEndpointChanges()
    {
        const string client = """
            namespace Players
            {
                [Endpoints.Client.WebSocketClient(typeof(Game.GameEndpoint))]
                public sealed partial class GameClient;
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation([GameEndpoint + PublicContext, client]);
        var driver = GeneratorHarness.CreateDriver(withJsonGenerator: true).RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("internal static class Unrelated { }", GeneratorHarness.ParseOptions)));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver));

        // A new OnMessage on the endpoint (in another file): the client gains a SendAsync.
        var endpointTree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(endpointTree, endpointTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            endpointTree.GetText().ToString().Replace("public void OnMessage(ChatLine line) { }", "public void OnMessage(ChatLine line) { }\n public void OnMessage(Said said) { }"))));
        driver = driver.RunGenerators(edited);
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver));
        var source = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Single(s => s.HintName == "Players.GameClient.WebSocketClient.g.cs");
        Assert.Contains("SendAsync(global::Game.Said message", source.SourceText.ToString());

        static IncrementalStepRunReason[] Reasons(GeneratorDriver driver)
            => [.. driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(Endpoints.Client.Generator.WebSocketClientGenerator))
                .TrackedSteps["ValidClients"].SelectMany(s => s.Outputs).Select(o => o.Reason)];
    }

    /// <summary>A library compiled with the endpoint generator and emitted to a PE image: the client's project sees it as metadata only.</summary>
    private static MetadataReference CompiledLibrary(string source, string name = "Library", IEnumerable<MetadataReference>? extraReferences = null)
    {
        var run = GeneratorHarness.Run(source, assemblyName: name, extraReferences: extraReferences);
        using var image = new MemoryStream();
        var emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(ImmutableArray.Create(image.ToArray()));
    }
}
