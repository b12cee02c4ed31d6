using System.Text.RegularExpressions;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using TypeScriptEmitter = Endpoints.Generator.Emitting.TypeScriptEmitter;

namespace Endpoints.Generator.Tests;

/// <summary>
/// The app's typed TypeScript client (endpoints.ts): what it says of the samples (a snapshot of the Dashboard's), the
/// message types' shapes, and TypeScript's own verdict (<c>tsc --strict --noEmit</c>, from npm, against the shipped
/// endpoints-client.d.ts): the samples' clients and a correct usage compile, a wrong shape does not, and renaming a
/// message property breaks the C# that uses the old name and the TypeScript that does.
/// </summary>
public sealed class TypeScriptClientTests
{
    [Fact]
    public void TheDashboardSamplesClientMatchesItsSnapshot()
        => Snapshot.VerifyText("endpoints", ".ts", Module(AsyncApiTests.SampleSources("Dashboard"), "Dashboard"));

    [Fact]
    public void TheMessageTypesAreShapedAsTheJsonContextWritesThem()
    {
        var module = Module([AsyncApiTests.Shop]);
        // Received by the endpoint (a client sends it): snake_case names, [JsonPropertyName], [JsonIgnore] left out; only C# required is required.
        var order = Declaration(module, "interface Order");
        Assert.Contains("  symbol: string;", order);
        Assert.Contains("  side?: Side;", order);
        Assert.Contains("  status?: Status;", order);
        Assert.Contains("  qty?: number;", order);
        Assert.Contains("  limit?: number | null;", order);
        Assert.Contains("  note?: string | null;", order);
        Assert.Contains("  at?: string;", order);
        Assert.Contains("  legs?: Leg[];", order);
        Assert.Contains("  fees?: Record<string, number>;", order);
        Assert.Contains("  parent?: Leg | null;", order);
        Assert.Contains("  tags?: Tags;", order);
        Assert.Contains("  signature?: string;", order);
        Assert.DoesNotContain("secret", order);
        // RespectRequiredConstructorParameters: the parameters without a default are required, [JsonRequired] too.
        var leg = Declaration(module, "interface Leg");
        Assert.Contains("  venue: string;", leg);
        Assert.Contains("  size: number;", leg);
        Assert.Contains("  child: Order | null;", leg);
        Assert.Contains("  ratio?: number;", leg);
        // Enums: numbers by default (with the members as a const), names with JsonStringEnumConverter, flags as numbers.
        Assert.Contains("export type Side = 0 | 1;", module);
        Assert.Contains("export const Side = { Buy: 0, Sell: 1 } as const;", module);
        Assert.Contains("export type Status = \"Open\" | \"Filled\";", module);
        Assert.Contains("export type Tags = number;", module);
        // Only sent by the endpoint: every property is written, so none is optional.
        var placed = Declaration(module, "interface Placed");
        Assert.Contains("  order_id: string;", placed);
        Assert.Contains("  notes: string[];", placed);
        Assert.Contains("  side: Side | null;", Declaration(module, "interface Rejected"));
        // Two types sent: a map by wire name with the endpoint's type property; one received: sent as plain JSON.
        Assert.Contains("export interface ShopEndpointSends {\n  placed: Placed;\n  rejected: Rejected;\n}", module);
        Assert.Contains("return this.socket.sendJson(message);", Declaration(module, "class ShopEndpointClient"));
        Assert.Contains("\"kind\"", Declaration(module, "class ShopEndpointClient"));
        // The address: route values and query values, typed; a header is only mentioned (a browser cannot set it).
        var parameters = Declaration(module, "interface ShopEndpointParameters");
        Assert.Contains("  market: string;", parameters);
        Assert.Contains("  path: string;", parameters);
        Assert.Contains("  depth?: number;", parameters);
        Assert.Contains("It also reads the header X-Client, which a browser WebSocket cannot set.", module);
        Assert.Contains("sendBinary(data: ArrayBufferLike | ArrayBufferView | Blob): boolean", Declaration(module, "class FilesEndpointClient"));
        Assert.Contains("static connect(parameters: FilesEndpointParameters = {}", module);
        Assert.DoesNotMatch(@"\bany\b", module);
    }

    [Fact]
    public void TheAssemblysConstantAndItsBuildOutputHoldTheSameModule()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([AsyncApiTests.Shop]));
        run.AssertCompilesCleanly();
        var source = run.Sources.Single(s => s.HintName == TypeScriptEmitter.HintName).SourceText.ToString();
        var module = Constant(run.Output, "TestApp");
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        // What build/Endpoints.targets does: the assembly read as UTF-8, the module between the markers.
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var match = Regex.Match(text, TypeScriptEmitter.BeginMarker + @"([\s\S]*?)" + TypeScriptEmitter.EndMarker);
        Assert.True(match.Success);
        Assert.Equal(module, match.Groups[1].Value);
        Assert.All(module, c => Assert.True(c < 0x7f));
        Assert.DoesNotContain(TypeScriptEmitter.BeginMarker, source);
        Assert.Equal(1, Regex.Count(text, TypeScriptEmitter.BeginMarker));
        // MSBuild would read these: its escapes (%xx) and item and property references.
        Assert.DoesNotContain("%", module);
        Assert.DoesNotContain("$(", module);
        Assert.DoesNotContain("@(", module);
    }

    [Fact]
    public void AProjectWithoutEndpointClassesHasNoClient()
        => Assert.DoesNotContain(GeneratorHarness.Run("namespace App; public sealed class Plain { }").Sources, s => s.HintName == TypeScriptEmitter.HintName);

    /// <summary>tsc --strict --noEmit: the samples' and the schema test's clients, and a page's use of the Dashboard client, with 0 errors.</summary>
    [Fact]
    public async Task TheSamplesClientsAndACorrectUsageCompileUnderStrictTsc()
    {
        var files = new Dictionary<string, string>
        {
            ["dashboard.ts"] = Module(AsyncApiTests.SampleSources("Dashboard"), "Dashboard"),
            ["chat.ts"] = Module(AsyncApiTests.SampleSources("Chat"), "Chat"),
            ["echo.ts"] = Module(AsyncApiTests.SampleSources("Echo"), "Echo"),
            ["shop.ts"] = Module([AsyncApiTests.Shop]),
            ["usage.ts"] = DashboardUsage,
            ["chat-usage.ts"] = """
                import { ChatEndpointClient } from "./chat.js";

                const chat = ChatEndpointClient.connect({ room: "lobby" }, { accessToken: () => "token" });
                chat.onMessage(data => console.log(typeof data === "string" ? data : "binary"));
                chat.sendText("/who");
                """,
            ["shop-usage.ts"] = """
                import { ShopEndpointClient, FilesEndpointClient, Side } from "./shop.js";

                const shop = ShopEndpointClient.connect({ market: "nyse", path: "a/b", depth: 5 }, { baseUrl: "https://example.com/app" });
                shop.send("order", { symbol: "ACME", side: Side.Sell, status: "Filled", fees: { venue: 0.5 }, legs: [{ venue: "x", size: 1, child: null }] });
                shop.on("placed", placed => console.log(placed.order_id, placed.status, placed.notes.length));
                shop.on("rejected", rejected => console.log(rejected.reason, rejected.side === Side.Buy));
                FilesEndpointClient.connect().sendBinary(new Uint8Array([1, 2]));
                """,
        };
        var (exitCode, output) = await TscAsync("ok", files);
        Assert.True(exitCode == 0, "tsc found errors:\n" + output);
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task AWrongShapeIsATypeError()
    {
        var (exitCode, output) = await TscAsync("wrong", new Dictionary<string, string>
        {
            ["dashboard.ts"] = Module(AsyncApiTests.SampleSources("Dashboard"), "Dashboard"),
            ["usage.ts"] = """
                import { DashboardEndpointClient } from "./dashboard.js";

                const dashboard = DashboardEndpointClient.connect();
                dashboard.send("subscribe", { symbol: 42 });
                dashboard.send("subscribe", { ticker: "ACME" });
                dashboard.send("subscrbe", { symbol: "ACME" });
                dashboard.on("price", price => price.value.toUpperCase());
                """,
        });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("usage.ts(4,31): error TS2322: Type 'number' is not assignable to type 'string'.", output);
        Assert.Contains("usage.ts(5,31): error TS2353: Object literal may only specify known properties, and 'ticker' does not exist in type 'Subscribe'.", output);
        Assert.Contains("usage.ts(6,16): error TS2345: Argument of type '\"subscrbe\"' is not assignable to parameter of type '\"subscribe\" | \"unsubscribe\"'.", output);
        Assert.Contains("usage.ts(7,44): error TS2339: Property 'toUpperCase' does not exist on type 'number'.", output);
        Assert.Equal(4, Regex.Count(output, "error TS"));
    }

    [Fact]
    public void RequestsAreTypedByWhatEachOnMessageReturns()
    {
        var module = Module([AsyncApiTests.Talk]);
        // The replies by the request's wire name; Joined is written by the endpoint, so every property is there.
        Assert.Contains("export interface TalkEndpointReplies {\n  join: Joined;\n  ping: Said;\n}", module);
        Assert.Contains("export interface Joined {\n  /** Integer (int32). */\n  members: number;\n  names: string[];\n}", module);
        var talk = Declaration(module, "class TalkEndpointClient");
        Assert.Contains("request<K extends keyof TalkEndpointReplies & string>(type: K, message: TalkEndpointReceives[K], options?: RequestOptions): Promise<TalkEndpointReplies[K]>", talk);
        Assert.Contains("sendWithAck<K extends keyof TalkEndpointReceives & string>(type: K, message: TalkEndpointReceives[K], options?: RequestOptions): Promise<void>", talk);
        Assert.Contains("onRequest<K extends keyof TalkEndpointSends & string>(type: K, handler: (request: TalkEndpointSends[K]) => unknown | Promise<unknown>): () => void", talk);
        Assert.Contains("return this.socket.request<TalkEndpointReplies[K]>(type, message as object, options);", talk);
        // One type each way: plain JSON, so a request is requestRaw of the JSON and onRequest takes any request.
        var count = Declaration(module, "class CountEndpointClient");
        Assert.Contains("return requestJson<CountEndpointReplies[K]>(this.socket, message, options);", count);
        Assert.Contains("return this.socket.requestRaw(JSON.stringify(message), options)", count);
        Assert.Contains("return this.socket.onRequest((request: unknown): unknown => handler(request as CountEndpointSends[K]));", count);
        Assert.Contains("import type { ConnectionState, EndpointsSocketOptions, RequestOptions, StateChangeDetail }", module);
        Assert.DoesNotMatch(@"\bany\b", module);
        // Without a replying OnMessage there is no request(), and without Sends no onRequest().
        var shop = Module([AsyncApiTests.Shop]);
        Assert.DoesNotContain("request<", Declaration(shop, "class ShopEndpointClient"));
        Assert.Contains("sendWithAck<", Declaration(shop, "class ShopEndpointClient"));
        Assert.DoesNotContain("onRequest", Declaration(shop, "class FilesEndpointClient"));
        Assert.DoesNotContain("RequestOptions", Module(AsyncApiTests.SampleSources("Echo"), "Echo"));
    }

    /// <summary>tsc --strict --noEmit: replies typed per request, acknowledgements, and answering the endpoint's requests.</summary>
    [Fact]
    public async Task ACorrectUseOfRequestsCompilesUnderStrictTsc()
    {
        var (exitCode, output) = await TscAsync("requests", new Dictionary<string, string>
        {
            ["talk.ts"] = Module([AsyncApiTests.Talk]),
            ["usage.ts"] = TalkUsage,
        });
        Assert.True(exitCode == 0, "tsc found errors:\n" + output);
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task AWrongUseOfAReplyIsATypeError()
    {
        var (exitCode, output) = await TscAsync("wrong-reply", new Dictionary<string, string>
        {
            ["talk.ts"] = Module([AsyncApiTests.Talk]),
            ["usage.ts"] = """
                import { TalkEndpointClient } from "./talk.js";

                const chat = TalkEndpointClient.connect({ room: "lobby" });
                console.log((await chat.request("join", { name: "ann" })).nope);
                await chat.request("say", { text: "hi" });
                const said: string = (await chat.request("ping", { sequence: 1 })).from.length; console.log(said);
                chat.onRequest("confirm", confirm => confirm.answer);
                """,
        });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("usage.ts(4,59): error TS2339: Property 'nope' does not exist on type 'Joined'.", output);
        Assert.Contains("usage.ts(5,20): error TS2345: Argument of type '\"say\"' is not assignable to parameter of type '\"join\" | \"ping\"'.", output);
        Assert.Contains("usage.ts(6,7): error TS2322: Type 'number' is not assignable to type 'string'.", output);
        Assert.Contains("usage.ts(7,46): error TS2339: Property 'answer' does not exist on type 'Confirm'.", output);
        Assert.Equal(4, Regex.Count(output, "error TS"));
    }

    /// <summary>
    /// Renaming Subscribe.Symbol to Ticker in (an in-memory copy of) the Dashboard's messages: the C# that reads
    /// subscribe.Symbol no longer compiles, and neither does a page that sends { symbol } or reads price.symbol through
    /// the regenerated client.
    /// </summary>
    [Fact]
    public async Task RenamingAMessagePropertyBreaksTheCSharpAndTheTypeScriptThatUseTheOldName()
    {
        var sources = AsyncApiTests.SampleSources("Dashboard")
            .Select(s => s.Replace("public sealed record Subscribe(string Symbol);", "public sealed record Subscribe(string Ticker);"))
            .ToArray();
        Assert.Contains(sources, s => s.Contains("record Subscribe(string Ticker)"));
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, "Dashboard"));
        var csharp = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.NotEmpty(csharp);
        Assert.All(csharp, d => Assert.Equal("CS1061", d.Id));
        Assert.All(csharp, d => Assert.Contains("'Subscribe' does not contain a definition for 'Symbol'", d.GetMessage()));
        Assert.All(csharp, d => Assert.EndsWith("DashboardEndpoint.cs", SampleFile(d)));

        var module = Constant(run.Output, "Dashboard");
        Assert.Contains("export interface Subscribe {\n  ticker?: string;\n}", module);
        var (exitCode, output) = await TscAsync("renamed", new Dictionary<string, string> { ["dashboard.ts"] = module, ["usage.ts"] = DashboardUsage });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("usage.ts(6,31): error TS2353: Object literal may only specify known properties, and 'symbol' does not exist in type 'Subscribe'.", output);
        Assert.Equal(1, Regex.Count(output, "error TS"));
        // Shown in the test's output: both compilers' complaints.
        Console.WriteLine("C#:\n" + string.Join("\n", csharp) + "\ntsc:\n" + output);

        static string SampleFile(Diagnostic d) => d.Location.SourceTree?.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
            .Any(c => c.Identifier.Text == "DashboardEndpoint") == true ? "DashboardEndpoint.cs" : "elsewhere";
    }

    /// <summary>A page that uses the Dashboard client as intended.</summary>
    private const string DashboardUsage = """
        import { DashboardEndpointClient } from "./dashboard.js";
        import type { Price, SymbolList } from "./dashboard.js";

        const dashboard = DashboardEndpointClient.connect({ reconnect: { maxDelayMs: 10000 } });
        dashboard.onStateChange(change => console.log(change.state, change.previous));
        dashboard.send("subscribe", { symbol: "ACME" });
        dashboard.send("unsubscribe", { symbol: "ACME" });
        const stop = dashboard.on("price", (price: Price) => console.log(price.symbol, price.value.toFixed(2), price.change, new Date(price.at)));
        dashboard.on("symbols", (list: SymbolList) => list.symbols.forEach(s => console.log(s.symbol, s.watchers + 1)));
        stop();
        if (dashboard.state === "open") dashboard.close();
        """;

    /// <summary>A page that asks the Talk endpoints and answers their requests.</summary>
    private const string TalkUsage = """
        import { TalkEndpointClient, CountEndpointClient } from "./talk.js";
        import type { Joined, Said } from "./talk.js";

        const chat = TalkEndpointClient.connect({ room: "lobby" }, { requestTimeoutMs: 5000 });
        const joined: Joined = await chat.request("join", { name: "ann" });
        console.log(joined.members + 1, joined.names.join(", "));
        const controller = new AbortController();
        const pong: Said = await chat.request("ping", { sequence: 1 }, { timeoutMs: 1000, signal: controller.signal });
        console.log(pong.from.toUpperCase(), pong.text);
        await chat.sendWithAck("say", { text: "hi" });
        await chat.sendWithAck("join", { name: "bob" }, { timeoutMs: 2000 });
        const stop = chat.onRequest("confirm", async confirm => ({ ok: confirm.question.length > 0 }));
        chat.onRequest("said", said => console.log(said.text));
        stop();

        const counter = CountEndpointClient.connect();
        const next = await counter.request("count", { value: 1 });
        console.log((next.value ?? 0) + 1);
        await counter.sendWithAck("count", { value: 2 });
        counter.onRequest("confirm", confirm => window.confirm(confirm.question));
        try {
          await chat.request("join", { name: "carol" }, { timeoutMs: 10 });
        } catch (error) {
          if (error instanceof Error && error.name === "TimeoutError") console.log("no answer");
        }
        """;

    /// <summary>The module the generator writes for these sources.</summary>
    private static string Module(IEnumerable<string> sources, string assemblyName = "TestApp")
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, assemblyName));
        Assert.Empty(run.GeneratorDiagnostics);
        return Constant(run.Output, assemblyName);
    }

    private static string Constant(Compilation compilation, string assemblyName)
    {
        var type = compilation.GetTypeByMetadataName("Endpoints.Generated.TypeScriptClient_" + assemblyName)!;
        return (string)type.GetMembers("Source").OfType<IFieldSymbol>().Single().ConstantValue!;
    }

    /// <summary>From "export {kind} Name" to the first line that is "}".</summary>
    private static string Declaration(string module, string kindAndName)
    {
        var start = module.IndexOf("export " + kindAndName + " ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No {kindAndName} in:\n{module}");
        var end = module.IndexOf("\n}\n", start, StringComparison.Ordinal);
        return module[start..(end + 3)];
    }

    /// <summary>
    /// Writes the files and the shipped endpoints-client.d.ts into artifacts/npm/tsc/{name}, with a tsconfig that maps the
    /// module's import ("/_endpoints/client.js") to the .d.ts, and runs tsc --strict --noEmit there.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> TscAsync(string name, Dictionary<string, string> files)
    {
        var npm = await TypeScriptFolderAsync();
        var folder = Path.Combine(npm, "tsc", name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(AsyncApiTests.RepositoryRoot(), "src", "Endpoints.Runtime", "Client", "endpoints-client.d.ts"), Path.Combine(folder, "endpoints-client.d.ts"));
        foreach (var (file, text) in files) await File.WriteAllTextAsync(Path.Combine(folder, file), text);
        var fileList = string.Join(", ", files.Keys.Select(f => "\"" + f + "\""));
        await File.WriteAllTextAsync(Path.Combine(folder, "tsconfig.json"), $$"""
            {
              "compilerOptions": {
                "strict": true, "noEmit": true, "target": "ES2022", "module": "ES2022", "moduleResolution": "bundler",
                "lib": ["ES2022", "DOM"], "types": [], "noUnusedLocals": true, "noImplicitReturns": true,
                "paths": { "{{TypeScriptEmitter.DefaultImport}}": ["./endpoints-client.d.ts"] }
              },
              "files": [{{fileList}}]
            }
            """);
        return await AsyncApiTests.RunAsync("node", folder, [Path.Combine(npm, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--pretty", "false"]);
    }

    /// <summary>artifacts/npm with typescript installed (test.sh installs it; installed here when missing).</summary>
    private static async Task<string> TypeScriptFolderAsync()
    {
        var npm = Path.Combine(AsyncApiTests.RepositoryRoot(), "artifacts", "npm");
        if (!File.Exists(Path.Combine(npm, "node_modules", "typescript", "bin", "tsc")))
        {
            Directory.CreateDirectory(npm);
            var (exitCode, output) = await AsyncApiTests.RunAsync("npm", npm, ["install", "--prefix", npm, "--no-audit", "--no-fund", "typescript@5"]);
            Assert.True(exitCode == 0, "npm could not install typescript:\n" + output);
        }
        return npm;
    }
}
