using System.Text.Json;
using System.Text.RegularExpressions;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>
/// Endpoints of one app whose names meet in the app's contract (issue 26, item 6): the AsyncAPI document and the
/// TypeScript client keep each apart, so that neither collides nor silently picks one.
/// </summary>
public sealed class ContractCollisionTests
{
    private const string Context = """
        using System.Text.Json.Serialization;

        [JsonSerializable(typeof(One.Move))]
        [JsonSerializable(typeof(Two.Move))]
        internal partial class AppJson : JsonSerializerContext;
        """;

    /// <summary>Two endpoints of one simple name, each with its own "move" (a different type, a different shape).</summary>
    private const string SameNames = """
        using Endpoints;

        namespace One
        {
            public sealed record Move(int X);

            [WebSocketEndpoint("/one", Sends = new[] { typeof(Move) })]
            public sealed class Chat { public void OnMessage(Move move) { } }
        }

        namespace Two
        {
            public sealed record Move(string Square);

            [WebSocketEndpoint("/two", Sends = new[] { typeof(Move) })]
            public sealed class Chat { public void OnMessage(Move move) { } }
        }
        """;

    /// <summary>Endpoints whose names have no ASCII letter in common with a key: each is its own channel.</summary>
    private const string NonAsciiNames = """
        using Endpoints;

        namespace Talk;

        [WebSocketEndpoint("/a")]
        public sealed class Чат { public void OnText(string text) { } }

        [WebSocketEndpoint("/b")]
        public sealed class Форум { public void OnText(string text) { } }

        [WebSocketEndpoint("/c")]
        public sealed class Éclair { public void OnText(string text) { } }

        [WebSocketEndpoint("/d")]
        public sealed class Ãclair { public void OnText(string text) { } }
        """;

    [Fact]
    public void EndpointsOfOneSimpleNameAndTheirTypesOfOneNameEachKeepTheirOwn()
    {
        var (document, module) = Run([SameNames, Context]);
        using var json = JsonDocument.Parse(document);
        var channels = json.RootElement.GetProperty("channels").EnumerateObject().Select(static p => p.Name).ToList();
        Assert.Equal(["One.Chat", "Two.Chat"], channels);
        var schemas = json.RootElement.GetProperty("components").GetProperty("schemas");
        var titles = schemas.EnumerateObject().Select(static p => p.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, titles.Count);
        Assert.Contains(schemas.EnumerateObject(), static p => p.Value.GetProperty("properties").TryGetProperty("X", out _));
        Assert.Contains(schemas.EnumerateObject(), static p => p.Value.GetProperty("properties").TryGetProperty("Square", out _));

        // Each client's "move" is its own type.
        Assert.Equal(2, Regex.Matches(module, @"^export class \w+Client ", RegexOptions.Multiline).Count);
        var declared = Regex.Matches(module, @"^export interface (\w+) \{", RegexOptions.Multiline).Select(static m => m.Groups[1].Value).ToList();
        Assert.Equal(declared.Count, declared.Distinct().Count());
        Assert.Contains(declared, static d => d.StartsWith("Move", StringComparison.Ordinal));
        Assert.Equal(2, declared.Count(static d => d.StartsWith("Move", StringComparison.Ordinal)));
    }

    [Fact]
    public void EndpointsWhoseNamesGiveTheSameKeyGetChannelsAndOperationsOfTheirOwn()
    {
        var (document, module) = Run([NonAsciiNames]);
        AssertNoDuplicateKeys(document);
        using var json = JsonDocument.Parse(document);
        Assert.Equal(4, json.RootElement.GetProperty("channels").EnumerateObject().Count());
        Assert.Equal(4, json.RootElement.GetProperty("operations").EnumerateObject().Count());
        var addresses = json.RootElement.GetProperty("channels").EnumerateObject().Select(static c => c.Value.GetProperty("address").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["/a", "/b", "/c", "/d"], addresses);
        var clients = Regex.Matches(module, @"^export class (\w+) ", RegexOptions.Multiline).Select(static m => m.Groups[1].Value).ToList();
        Assert.Equal(4, clients.Distinct().Count());
    }

    private static (string Document, string Module) Run(IEnumerable<string> sources)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, "TestApp"));
        Assert.Empty(run.GeneratorDiagnostics);
        return (Constant(run.Output, "AsyncApiDocument_TestApp", "Json"), Constant(run.Output, "TypeScriptClient_TestApp", "Source"));
    }

    private static string Constant(Compilation compilation, string type, string field)
        => (string)compilation.GetTypeByMetadataName("Endpoints.Generated." + type)!.GetMembers(field).OfType<IFieldSymbol>().Single().ConstantValue!;

    /// <summary>Every object of the document names each member once (JsonDocument would keep both of a duplicate).</summary>
    private static void AssertNoDuplicateKeys(string document)
    {
        using var json = JsonDocument.Parse(document);
        Check(json.RootElement, "$");

        static void Check(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    Assert.True(names.Add(property.Name), $"{path} has \"{property.Name}\" twice");
                    Check(property.Value, path + "." + property.Name);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in element.EnumerateArray()) Check(item, $"{path}[{i++}]");
            }
        }
    }
}
