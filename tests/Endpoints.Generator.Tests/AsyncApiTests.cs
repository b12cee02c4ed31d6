using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsyncApiEmitter = Endpoints.Generator.Emitting.AsyncApiEmitter;
using Endpoints.Generator.Tests.Infrastructure;

namespace Endpoints.Generator.Tests;

/// <summary>
/// The app's AsyncAPI 3.0 document: what it says of the samples (a snapshot of the Dashboard's), what its schemas say
/// of message types, and the official parser's verdict (@asyncapi/parser through node: no error, no warning).
/// </summary>
public sealed class AsyncApiTests
{
    // The Web SDK's implicit usings, which the samples' sources rely on.
    private const string WebUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        """;

    /// <summary>Most of what the schemas cover: a naming policy, required members and parameters, enums three ways, nullability, nested and recursive types, collections, formats; a route with a constraint and a catch-all, query and header values, [Authorize].</summary>
    internal const string Shop = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using Endpoints;
        using Microsoft.AspNetCore.Authorization;
        using Microsoft.AspNetCore.Mvc;

        namespace Shop;

        public enum Side { Buy, Sell }

        [JsonConverter(typeof(JsonStringEnumConverter<Status>))]
        public enum Status { Open = 1, Filled = 2 }

        [Flags]
        public enum Tags { None = 0, Urgent = 1, Large = 2 }

        public sealed class Order
        {
            public required string Symbol { get; init; }
            public Side Side { get; init; }
            public Status Status { get; init; }
            [JsonPropertyName("qty")] public int Quantity { get; init; }
            public decimal? Limit { get; init; }
            public string? Note { get; init; }
            public Guid Id { get; init; }
            public DateTimeOffset At { get; init; }
            public List<Leg> Legs { get; init; } = new();
            public Dictionary<string, double> Fees { get; init; } = new();
            public Leg? Parent { get; init; }
            public Tags Tags { get; init; }
            [JsonIgnore] public string Secret { get; init; } = "";
            public byte[] Signature { get; init; } = [];
            public long Sequence { get; init; }
            public char Code { get; init; }
            public byte Priority { get; init; }
        }

        public sealed record Leg(string Venue, [property: JsonRequired] int Size, Order? Child, double Ratio = 1);

        public sealed record Placed(Guid OrderId, Status Status, IReadOnlyList<string> Notes);

        public sealed record Rejected(string Reason, Side? Side);

        [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectRequiredConstructorParameters = true)]
        [JsonSerializable(typeof(Order))]
        [JsonSerializable(typeof(Placed))]
        [JsonSerializable(typeof(Rejected))]
        internal partial class ShopJson : JsonSerializerContext;

        [Authorize(Policy = "traders", Roles = "desk,admin")]
        [WebSocketEndpoint("/shop/{market:alpha}/{*path}", Sends = new[] { typeof(Placed), typeof(Rejected) }, MessageTypeProperty = "kind")]
        public sealed class ShopEndpoint
        {
            public void OnOpen(string market, string path, [FromQuery] int? depth, [FromHeader(Name = "X-Client")] string client) { }
            public void OnMessage(Order order) { }
        }

        [WebSocketEndpoint("/files/{id:guid?}")]
        public sealed class FilesEndpoint
        {
            public void OnBinary(Guid? id, ReadOnlyMemory<byte> data) { }
        }
        """;

    /// <summary>
    /// Requests (endpoints.v1): OnMessages that return a value (a type of their own, one of several Sends, the type they
    /// take) and one that does not; an endpoint that receives and sends one type each (plain JSON both ways).
    /// </summary>
    internal const string Talk = """
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using Endpoints;

        namespace Talk;

        public sealed record Join(string Name);
        public sealed record Joined(int Members, IReadOnlyList<string> Names);
        public sealed record Say(string Text);
        public sealed record Said(string From, string Text);
        public sealed record Ping(int Sequence);
        public sealed record Confirm(string Question);
        public sealed record Count(int Value);

        [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
        [JsonSerializable(typeof(Join))]
        [JsonSerializable(typeof(Joined))]
        [JsonSerializable(typeof(Say))]
        [JsonSerializable(typeof(Said))]
        [JsonSerializable(typeof(Ping))]
        [JsonSerializable(typeof(Confirm))]
        [JsonSerializable(typeof(Count))]
        internal partial class TalkJson : JsonSerializerContext;

        [WebSocketEndpoint("/talk/{room}", Sends = new[] { typeof(Said), typeof(Confirm) }, MessageTypeProperty = "kind")]
        public sealed class TalkEndpoint
        {
            public void OnOpen(string room) { }
            public async Task<Joined> OnMessage(Join join) { await Task.Yield(); return new Joined(1, [join.Name]); }
            public void OnMessage(Say say) { }
            public ValueTask<Said> OnMessage(Ping ping) => new(new Said("server", "pong " + ping.Sequence));
        }

        [WebSocketEndpoint("/count", Sends = new[] { typeof(Confirm) })]
        public sealed class CountEndpoint
        {
            public Count OnMessage(Count count) => count with { Value = count.Value + 1 };
        }
        """;

    [Fact]
    public void TheDashboardSamplesDocumentMatchesItsSnapshot()
        => Snapshot.VerifyText("asyncapi", ".json", Document(SampleSources("Dashboard"), "Dashboard"));

    [Fact]
    public void TheSchemasSayWhatTheJsonContextWrites()
    {
        var document = JsonNode.Parse(Document([Shop]))!;
        var schemas = document["components"]!["schemas"]!;
        var order = schemas["Order"]!;
        var properties = order["properties"]!.AsObject();

        // Names under the context's policy (snake_case), [JsonPropertyName] as written, [JsonIgnore] left out.
        Assert.Equal(["symbol", "side", "status", "qty", "limit", "note", "id", "at", "legs", "fees", "parent", "tags", "signature", "sequence", "code", "priority"],
            properties.Select(p => p.Key));
        // C# required is required; a property without it is not (reading does not need it).
        Assert.Equal(["symbol"], order["required"]!.AsArray().Select(n => (string)n!));
        // Enums: numbers by default, names with the enum's JsonStringEnumConverter, flags described.
        Assert.Equal("#/components/schemas/Side", (string?)properties["side"]!["$ref"]);
        Assert.Equal("integer", (string?)schemas["Side"]!["type"]);
        Assert.Equal([0, 1], schemas["Side"]!["enum"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(["Open", "Filled"], schemas["Status"]!["enum"]!.AsArray().Select(n => (string)n!));
        Assert.StartsWith("Flags", (string?)schemas["Tags"]!["description"]);
        // Nullability, formats, collections, bytes.
        Assert.Equal(["number", "null"], properties["limit"]!["type"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["string", "null"], properties["note"]!["type"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("uuid", (string?)properties["id"]!["format"]);
        Assert.Equal("date-time", (string?)properties["at"]!["format"]);
        Assert.Equal("int64", (string?)properties["sequence"]!["format"]);
        Assert.Equal("int32", (string?)properties["qty"]!["format"]);
        Assert.Equal(255, (int)properties["priority"]!["maximum"]!);
        Assert.Equal("#/components/schemas/Leg", (string?)properties["legs"]!["items"]!["$ref"]);
        Assert.Equal("double", (string?)properties["fees"]!["additionalProperties"]!["format"]);
        Assert.Equal("#/components/schemas/Leg", (string?)properties["parent"]!["oneOf"]![0]!["$ref"]);
        Assert.Equal("base64", (string?)properties["signature"]!["contentEncoding"]);
        // A record under RespectRequiredConstructorParameters: parameters without a default are required, [JsonRequired] too.
        Assert.Equal(["venue", "size", "child"], schemas["Leg"]!["required"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("#/components/schemas/Order", (string?)schemas["Leg"]!["properties"]!["child"]!["oneOf"]![0]!["$ref"]);

        var shop = document["channels"]!["ShopEndpoint"]!;
        Assert.Equal("/shop/{market}/{path}", (string?)shop["address"]);
        Assert.Contains("alpha", (string?)shop["parameters"]!["market"]!["description"]);
        Assert.Contains("Catch-all", (string?)shop["parameters"]!["path"]!["description"]);
        var ws = shop["bindings"]!["ws"]!;
        Assert.Equal("GET", (string?)ws["method"]);
        Assert.Equal("integer", (string?)ws["query"]!["properties"]!["depth"]!["type"]);
        Assert.Null(ws["query"]!["required"]);
        Assert.Equal(["X-Client"], ws["headers"]!["required"]!.AsArray().Select(n => (string)n!));
        // One type received: no type property read. Two sent: "kind" written into each, as a const.
        Assert.Equal("#/components/schemas/Order", (string?)shop["messages"]!["order"]!["payload"]!["$ref"]);
        var placed = shop["messages"]!["placed"]!["payload"]!["allOf"]!;
        Assert.Equal("placed", (string?)placed[1]!["properties"]!["kind"]!["const"]);
        Assert.Equal(["kind"], placed[1]!["required"]!.AsArray().Select(n => (string)n!));

        var operations = document["operations"]!;
        Assert.Equal("receive", (string?)operations["ShopEndpoint.receive"]!["action"]);
        Assert.Equal("send", (string?)operations["ShopEndpoint.send"]!["action"]);
        Assert.Contains("traders", (string?)operations["ShopEndpoint.send"]!["description"]);
        Assert.Equal("#/components/securitySchemes/authorization", (string?)operations["ShopEndpoint.receive"]!["security"]![0]!["$ref"]);
        Assert.Equal("http", (string?)document["components"]!["securitySchemes"]!["authorization"]!["type"]);

        var files = document["channels"]!["FilesEndpoint"]!;
        Assert.Equal("/files/{id}", (string?)files["address"]);
        Assert.Contains("Optional", (string?)files["parameters"]!["id"]!["description"]);
        Assert.Equal("application/octet-stream", (string?)files["messages"]!["binary"]!["contentType"]);
        Assert.Null(document["operations"]!["FilesEndpoint.receive"]!["security"]);
    }

    [Fact]
    public void AnOnMessageThatReturnsAValueHasAnOperationWithAReply()
    {
        var document = JsonNode.Parse(Document([Talk]))!;
        var operations = document["operations"]!.AsObject();
        var talk = document["channels"]!["TalkEndpoint"]!;
        var messages = talk["messages"]!;

        // Join → Joined: an operation of its own whose reply is Joined's message on the same channel (no "kind": a reply only).
        var join = operations["TalkEndpoint.receive.join"]!;
        Assert.Equal("receive", (string?)join["action"]);
        Assert.Equal(["#/channels/TalkEndpoint/messages/join"], join["messages"]!.AsArray().Select(m => (string)m!["$ref"]!));
        Assert.Equal("#/channels/TalkEndpoint", (string?)join["reply"]!["channel"]!["$ref"]);
        Assert.Equal(["#/channels/TalkEndpoint/messages/joined"], join["reply"]!["messages"]!.AsArray().Select(m => (string)m!["$ref"]!));
        Assert.Contains("answers with Joined", (string?)join["summary"]);
        Assert.Equal("#/components/schemas/Joined", (string?)messages["joined"]!["payload"]!["$ref"]);
        Assert.Equal(["members", "names"], document["components"]!["schemas"]!["Joined"]!["properties"]!.AsObject().Select(p => p.Key));
        // Ping → Said, one of two Sends: the reply is the message the send operation has, with "kind": "said".
        var ping = operations["TalkEndpoint.receive.ping"]!;
        Assert.Equal(["#/channels/TalkEndpoint/messages/said"], ping["reply"]!["messages"]!.AsArray().Select(m => (string)m!["$ref"]!));
        Assert.Contains(operations["TalkEndpoint.send"]!["messages"]!.AsArray(), m => (string?)m!["$ref"] == "#/channels/TalkEndpoint/messages/said");
        Assert.Equal("said", (string?)messages["said"]!["payload"]!["allOf"]![1]!["properties"]!["kind"]!["const"]);
        // Say returns nothing: the shared receive operation, no reply, acknowledged on request.
        var receive = operations["TalkEndpoint.receive"]!;
        Assert.Equal(["#/channels/TalkEndpoint/messages/say"], receive["messages"]!.AsArray().Select(m => (string)m!["$ref"]!));
        Assert.Null(receive["reply"]);
        Assert.Contains("acknowledged", (string?)receive["description"]);
        Assert.Null(operations["TalkEndpoint.send"]!["reply"]);
        Assert.Contains("RequestAsync", (string?)operations["TalkEndpoint.send"]!["description"]);
        Assert.Equal(["join", "say", "ping", "said", "confirm", "joined"], messages.AsObject().Select(m => m.Key));

        // Count → Count: the received message and the reply are two messages (the reply has no "received" summary); no other receive operation.
        var count = operations["CountEndpoint.receive.count"]!;
        Assert.Equal(["#/channels/CountEndpoint/messages/count_reply"], count["reply"]!["messages"]!.AsArray().Select(m => (string)m!["$ref"]!));
        Assert.Equal("#/components/schemas/Count", (string?)document["channels"]!["CountEndpoint"]!["messages"]!["count_reply"]!["payload"]!["$ref"]);
        Assert.False(operations.ContainsKey("CountEndpoint.receive"));

        // Nothing else has a reply: not the Shop's OnMessage, which returns nothing.
        Assert.Equal(["CountEndpoint.receive.count", "TalkEndpoint.receive.join", "TalkEndpoint.receive.ping"],
            operations.Where(o => o.Value!["reply"] is not null).Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(JsonNode.Parse(Document([Shop]))!["operations"]!.AsObject(), o => o.Value!["reply"] is not null);
    }

    /// <summary>
    /// Two contexts cover the message, only the second its reply too: the endpoint's code goes through the second (the
    /// only one that covers every type), so the document names properties with the second's policy, not the first's.
    /// </summary>
    [Fact]
    public void TheDocumentUsesTheContextThatAlsoCoversTheReply()
    {
        var document = JsonNode.Parse(Document(["""
            using System.Text.Json.Serialization;
            using Endpoints;

            namespace Two;

            public sealed record Join(string FullName);
            public sealed record Joined(int MemberCount);

            [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
            [JsonSerializable(typeof(Join))]
            internal partial class AJson : JsonSerializerContext;

            [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
            [JsonSerializable(typeof(Join))]
            [JsonSerializable(typeof(Joined))]
            internal partial class BJson : JsonSerializerContext;

            [WebSocketEndpoint("/join")]
            public sealed class JoinEndpoint
            {
                public Joined OnMessage(Join join) => new(join.FullName.Length);
            }
            """]))!;
        var schemas = document["components"]!["schemas"]!;
        Assert.Equal(["fullName"], schemas["Join"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["memberCount"], schemas["Joined"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void TheAssemblysConstantAndItsBuildOutputHoldTheSameDocument()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Shop]));
        run.AssertCompilesCleanly();
        var source = run.Sources.Single(s => s.HintName == AsyncApiEmitter.HintName).SourceText.ToString();
        var type = run.Output.GetTypeByMetadataName("Endpoints.Generated.AsyncApiDocument_TestApp")!;
        var json = (string)type.GetMembers("Json").OfType<Microsoft.CodeAnalysis.IFieldSymbol>().Single().ConstantValue!;

        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        // What build/Endpoints.targets does: the assembly read as UTF-8, the document between the markers.
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var match = System.Text.RegularExpressions.Regex.Match(text, AsyncApiEmitter.BeginMarker + @"(\{[\s\S]*?\})\s*" + AsyncApiEmitter.EndMarker);
        Assert.True(match.Success);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(match.Groups[1].Value)));
        Assert.All(match.Groups[1].Value, c => Assert.True(c < 0x7f));
        // Only the compiled bytes hold the markers, not the source (a PDB may embed it).
        Assert.DoesNotContain(AsyncApiEmitter.BeginMarker, source);
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(text, AsyncApiEmitter.BeginMarker));
    }

    [Fact]
    public void AProjectWithoutEndpointClassesHasNoDocument()
        => Assert.DoesNotContain(GeneratorHarness.Run("namespace App; public sealed class Plain { }").Sources, s => s.HintName == AsyncApiEmitter.HintName);

    /// <summary>The official parser (@asyncapi/parser, through node) reads the samples' documents and the schema test's without an error or a warning.</summary>
    [Fact]
    public async Task TheOfficialParserReadsTheDocumentsWithoutErrorsOrWarnings()
    {
        var npm = await ParserFolderAsync();
        var documents = Path.Combine(npm, "documents");
        Directory.CreateDirectory(documents);
        var files = new List<string>();
        foreach (var (name, sources) in new[]
                 {
                     ("Dashboard", SampleSources("Dashboard")), ("Chat", SampleSources("Chat")), ("Echo", SampleSources("Echo")), ("Shop", [Shop]),
                     ("Talk", [Talk]),
                 })
        {
            var file = Path.Combine(documents, name + ".asyncapi.json");
            await File.WriteAllTextAsync(file, Document(sources, name));
            files.Add(file);
        }
        File.Copy(Path.Combine(ThisDirectory(), "AsyncApi", "validate-asyncapi.mjs"), Path.Combine(npm, "validate-asyncapi.mjs"), overwrite: true);
        var (exitCode, output) = await RunAsync("node", npm, ["validate-asyncapi.mjs", .. files]);
        Assert.True(exitCode == 0, "@asyncapi/parser found errors or warnings:\n" + output);
        Assert.Equal(files.Count, output.Split('\n').Count(line => line.EndsWith(": parsed, 0 errors and warnings", StringComparison.Ordinal)));
    }

    /// <summary>The document the generator writes for these sources.</summary>
    private static string Document(IEnumerable<string> sources, string assemblyName = "TestApp")
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, assemblyName));
        Assert.Empty(run.GeneratorDiagnostics);
        var type = run.Output.GetTypeByMetadataName("Endpoints.Generated.AsyncApiDocument_" + assemblyName)!;
        return (string)type.GetMembers("Json").OfType<Microsoft.CodeAnalysis.IFieldSymbol>().Single().ConstantValue!;
    }

    /// <summary>A sample's C# files (not its Program.cs, whose top-level statements make an executable) and the Web SDK's usings.</summary>
    internal static string[] SampleSources(string sample)
        => [WebUsings, .. Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples", sample), "*.cs")
            .Where(path => Path.GetFileName(path) != "Program.cs")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)];

    /// <summary>artifacts/npm with @asyncapi/parser installed (test.sh installs it; installed here when missing).</summary>
    private static async Task<string> ParserFolderAsync()
    {
        var npm = Path.Combine(RepositoryRoot(), "artifacts", "npm");
        if (!Directory.Exists(Path.Combine(npm, "node_modules", "@asyncapi", "parser")))
        {
            Directory.CreateDirectory(npm);
            var (exitCode, output) = await RunAsync("npm", npm, ["install", "--prefix", npm, "--no-audit", "--no-fund", "@asyncapi/parser@3"]);
            Assert.True(exitCode == 0, "npm could not install @asyncapi/parser:\n" + output);
        }
        return npm;
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string program, string directory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{program}' is not installed (test.sh installs node and npm): {e.Message}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
    }

    internal static string RepositoryRoot() => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", ".."));

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
