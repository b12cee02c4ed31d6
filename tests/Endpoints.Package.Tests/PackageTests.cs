using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Endpoints.Package.Tests;

/// <summary>
/// The packed packages as a user meets them: `dotnet new web`, `dotnet add package Endpoints` from a local feed, an
/// endpoint written as the README shows it; mistakes reported by the real compiler at the right lines; a Native AOT
/// publish without a warning; and the `dotnet new wsapp` template, whose own test passes.
/// </summary>
public sealed partial class PackageTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Fact]
    public void PackingGivesTheEndpointsPackageWithAnalyzersSymbolsAndTheTemplates()
    {
        var files = Directory.GetFiles(feed.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains($"Endpoints.{PackedFeed.Version}.nupkg", files);
        Assert.Contains($"Endpoints.{PackedFeed.Version}.snupkg", files);
        Assert.Contains($"Endpoints.Templates.{PackedFeed.Version}.nupkg", files);
        Assert.Contains($"Endpoints.Redis.{PackedFeed.Version}.nupkg", files);
        Assert.Contains($"Endpoints.Client.{PackedFeed.Version}.nupkg", files);
        Assert.Contains($"Endpoints.Testing.{PackedFeed.Version}.nupkg", files);

        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed.Feed, $"Endpoints.{PackedFeed.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        foreach (var expected in new[]
                 {
                     "lib/net10.0/Endpoints.Runtime.dll", "lib/net10.0/Endpoints.Runtime.xml",
                     "lib/net10.0/Endpoints.Abstractions.dll", "lib/net10.0/Endpoints.Abstractions.xml",
                     "analyzers/dotnet/roslyn4.14/cs/Endpoints.Generator.dll", "analyzers/dotnet/roslyn4.14/cs/Endpoints.CodeFixes.dll",
                     "README.md", "clients/browser/endpoints-client.js", "clients/browser/endpoints-client.d.ts", "build/Endpoints.targets",
                 })
        {
            Assert.Contains(expected, entries);
        }
        using var reader = new StreamReader(package.GetEntry("Endpoints.nuspec")!.Open());
        var nuspec = reader.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
        Assert.Contains("<projectUrl>https://github.com/endpoints-dotnet/endpoints</projectUrl>", nuspec);
        Assert.Contains("<frameworkReference name=\"Microsoft.AspNetCore.App\" />", nuspec);
        Assert.DoesNotContain("Endpoints.Abstractions\"", nuspec); // packed inside, not a dependency

        using var testing = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed.Feed, $"Endpoints.Testing.{PackedFeed.Version}.nupkg"));
        var testingEntries = testing.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/Endpoints.Testing.dll", testingEntries);
        Assert.Contains("lib/net10.0/Endpoints.Testing.xml", testingEntries);
        Assert.Contains("README.md", testingEntries);
        using var testingReader = new StreamReader(testing.GetEntry("Endpoints.Testing.nuspec")!.Open());
        var testingNuspec = testingReader.ReadToEnd();
        Assert.Contains($"<dependency id=\"Endpoints\" version=\"{PackedFeed.Version}\"", testingNuspec);
        Assert.Contains("<dependency id=\"Microsoft.Extensions.TimeProvider.Testing\"", testingNuspec);
        Assert.Contains($"<dependency id=\"Endpoints.Client\" version=\"{PackedFeed.Version}\"", testingNuspec);

        // The typed client's generator is the client package's own analyzer; the endpoint generator is not in it.
        using var client = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed.Feed, $"Endpoints.Client.{PackedFeed.Version}.nupkg"));
        var clientEntries = client.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("analyzers/dotnet/roslyn4.14/cs/Endpoints.Client.Generator.dll", clientEntries);
        Assert.DoesNotContain(clientEntries, e => e.EndsWith("/Endpoints.Generator.dll", StringComparison.Ordinal));
        Assert.DoesNotContain("Endpoints.Abstractions\"", testingNuspec);
    }

    [Fact]
    public async Task AFreshWebAppAddsThePackageAndServesTheReadmesFirstEndpoint()
    {
        var app = await NewWebAppAsync("HelloApp");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ReadmeFirstEndpoint());
        // The strictest settings a user might have: generated code must not warn.
        AddProperties(app, "HelloApp", "<TreatWarningsAsErrors>true</TreatWarningsAsErrors><WarningLevel>9999</WarningLevel>");
        var (_, build) = await DotNet.RunAsync(app, feed.Packages, ["build", "-c", "Release"]);
        Assert.Contains("0 Warning(s)", build);
        AssertRestoredFromTheFreshPack();

        await using var running = await RunningApp.StartAsync(app, feed.Packages, DotNet.Executable, [Path.Combine("bin", "Release", "net10.0", "HelloApp.dll")]);
        Assert.Equal("hello, ann: hi", await running.RoundTripAsync("/hello/ann", "hi"));
    }

    [Fact]
    public async Task AFreshAppUsesTypedMessagesRedisAndTheClientPackages()
    {
        var app = await NewWebAppAsync("TypedApp");
        await DotNet.RunAsync(app, feed.Packages, ["add", "package", "Endpoints.Redis"]);
        await DotNet.RunAsync(app, feed.Packages, ["add", "package", "Endpoints.Client"]);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System.Text.Json.Serialization;
            using Endpoints;
            using Endpoints.Client;

            var builder = WebApplication.CreateSlimBuilder(args);
            // No Redis listens here: the app starts and serves its own connections anyway (the backplane is degraded).
            builder.Services.AddWebSocketEndpoints().AddRedis("127.0.0.1:1", options => options.ChannelPrefix = "packaged");
            var app = builder.Build();
            app.MapWebSocketEndpoints();
            app.MapWebSocketClientScript();
            app.MapAsyncApiDocument();
            app.Run();

            public sealed record Ping(int Number);
            public sealed record Pong(int Number);

            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Ping))]
            [JsonSerializable(typeof(Pong))]
            internal partial class AppJson : JsonSerializerContext;

            [WebSocketEndpoint("/ping", Sends = new[] { typeof(Pong) })]
            public sealed class PingEndpoint(IWebSocketClients<PingEndpoint> clients)
            {
                public async Task OnMessage(Ping ping, WebSocketConnection connection)
                {
                    await connection.JoinGroupAsync("players");
                    await clients.Group("players").SendAsync(new Pong(ping.Number + 1));
                }
            }

            public static class Players
            {
                public static EndpointsClient Connect(Uri uri) => new(uri, new EndpointsClientOptions { QueueCapacity = 10 });
            }
            """);
        // The TypeScript client is also copied into a front-end folder, importing a vendored browser client.
        AddProperties(app, "TypedApp", "<TreatWarningsAsErrors>true</TreatWarningsAsErrors>"
            + "<EndpointsTypeScriptClientCopyTo>ClientApp/api</EndpointsTypeScriptClientCopyTo><EndpointsTypeScriptClientImport>./endpoints-client.js</EndpointsTypeScriptClientImport>");
        var (_, build) = await DotNet.RunAsync(app, feed.Packages, ["build", "-c", "Release"]);
        Assert.Contains("0 Warning(s)", build);

        await using var running = await RunningApp.StartAsync(app, feed.Packages, DotNet.Executable, [Path.Combine("bin", "Release", "net10.0", "TypedApp.dll")]);
        Assert.Equal("""{"number":2}""", await running.RoundTripAsync("/ping", """{"number":1}"""));
        using var http = new HttpClient { BaseAddress = running.Address };
        Assert.Contains("export class EndpointsSocket", await http.GetStringAsync("/_endpoints/client.js"));

        // The AsyncAPI document: written next to the app by the package's build/Endpoints.targets, and served.
        var written = await File.ReadAllTextAsync(Path.Combine(app, "bin", "Release", "net10.0", "asyncapi.json"));
        Assert.Contains("\"address\": \"/ping\"", written);
        Assert.Contains("\"number\": {", written);
        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(written)!.ToJsonString(), System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/asyncapi.json"))!.ToJsonString());

        // The typed TypeScript client: written beside it, and copied to the front-end folder with the import set.
        var typeScript = await File.ReadAllTextAsync(Path.Combine(app, "bin", "Release", "net10.0", "endpoints.ts"));
        Assert.Contains("export class PingEndpointClient {", typeScript);
        Assert.Contains("export interface Ping {\n  /** Integer (int32). */\n  number?: number;\n}", typeScript);
        Assert.Contains("export interface Pong {\n  /** Integer (int32). */\n  number: number;\n}", typeScript);
        Assert.Contains("from \"./endpoints-client.js\";", typeScript);
        Assert.DoesNotContain("/_endpoints/client.js\";", typeScript);
        Assert.Equal(typeScript, await File.ReadAllTextAsync(Path.Combine(app, "ClientApp", "api", "endpoints.ts")));

        // <EndpointsAsyncApiDocument>false</EndpointsAsyncApiDocument> and <EndpointsTypeScriptClient>false</EndpointsTypeScriptClient> turn them off.
        File.Delete(Path.Combine(app, "bin", "Release", "net10.0", "asyncapi.json"));
        File.Delete(Path.Combine(app, "bin", "Release", "net10.0", "endpoints.ts"));
        File.Delete(Path.Combine(app, "ClientApp", "api", "endpoints.ts"));
        await DotNet.RunAsync(app, feed.Packages, ["build", "-c", "Release", "-p:EndpointsAsyncApiDocument=false", "-p:EndpointsTypeScriptClient=false"]);
        Assert.False(File.Exists(Path.Combine(app, "bin", "Release", "net10.0", "asyncapi.json")));
        Assert.False(File.Exists(Path.Combine(app, "bin", "Release", "net10.0", "endpoints.ts")));
        Assert.False(File.Exists(Path.Combine(app, "ClientApp", "api", "endpoints.ts")));
    }

    [Fact]
    public async Task TypedClientsBuildWithBothPackagesAndWithTheClientPackageAndAContractLibraryAlone()
    {
        // A contract library: an endpoint and its messages, with a public context a client can use.
        await DotNet.RunAsync(feed.Root, feed.Packages, ["new", "classlib", "-o", "PingContract"]);
        var contract = Path.Combine(feed.Root, "PingContract");
        await DotNet.RunAsync(contract, feed.Packages, ["add", "package", "Endpoints"]);
        File.Delete(Path.Combine(contract, "Class1.cs"));
        await File.WriteAllTextAsync(Path.Combine(contract, "PingEndpoint.cs"), """
            using System.Text.Json.Serialization;
            using Endpoints;

            namespace PingContract;

            public sealed record Ping(int Number);
            public sealed record Pong(int Number);

            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Ping))]
            [JsonSerializable(typeof(Pong))]
            public partial class PingJson : JsonSerializerContext;

            [WebSocketEndpoint("/ping")]
            public sealed class PingEndpoint
            {
                public Pong OnMessage(Ping ping) => new(ping.Number + 1);
            }
            """);

        // A server with both packages: its own endpoint and the library's, a typed client of each; each generator runs once.
        var both = await NewWebAppAsync("BothApp");
        await DotNet.RunAsync(both, feed.Packages, ["add", "package", "Endpoints.Client"]);
        await DotNet.RunAsync(both, feed.Packages, ["add", "reference", Path.Combine(contract, "PingContract.csproj")]);
        await File.WriteAllTextAsync(Path.Combine(both, "Program.cs"), """
            using Endpoints;
            using Endpoints.Client;

            var builder = WebApplication.CreateSlimBuilder(args);
            builder.Services.AddWebSocketEndpoints();
            var app = builder.Build();
            app.MapWebSocketEndpoints();
            if (!args.Contains("--self-test"))
            {
                app.Run();
                return;
            }
            await app.StartAsync();
            var server = new Uri(app.Urls.First());
            await using (var echo = await EchoClient.ConnectAsync(server))
            {
                await echo.SendTextAsync("hi");
                await foreach (var message in echo.ReadAllAsync())
                {
                    Console.WriteLine("echo: " + message);
                    break;
                }
            }
            await using (var ping = await PingClient.ConnectAsync(server))
            {
                Console.WriteLine("pong: " + (await ping.RequestAsync(new PingContract.Ping(41))).Number);
            }
            await app.StopAsync();

            [WebSocketEndpoint("/echo")]
            public sealed class EchoEndpoint
            {
                public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
            }

            [WebSocketClient(typeof(EchoEndpoint))]
            public sealed partial class EchoClient;

            [WebSocketClient(typeof(PingContract.PingEndpoint))]
            public sealed partial class PingClient;
            """);
        AddProperties(both, "BothApp", "<TreatWarningsAsErrors>true</TreatWarningsAsErrors><EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>");
        var (_, build) = await DotNet.RunAsync(both, feed.Packages, ["build", "-c", "Release"]);
        Assert.Contains("0 Warning(s)", build);
        Assert.Equal(["Endpoints.Client.Generator", "Endpoints.Generator"], GeneratorsThatWrote(both));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(both, "obj", "Release", "net10.0", "generated"), "*.WebSocketClient.g.cs", SearchOption.AllDirectories).Length);
        var (_, selfTest) = await DotNet.RunAsync(both, feed.Packages, [Path.Combine("bin", "Release", "net10.0", "BothApp.dll"), "--self-test", "--urls", "http://127.0.0.1:0"]);
        Assert.Contains("echo: hi", selfTest);
        Assert.Contains("pong: 42", selfTest);

        // A console app with Endpoints.Client and the contract library only: the typed client, no endpoint of its own.
        await DotNet.RunAsync(feed.Root, feed.Packages, ["new", "console", "-o", "PingConsole"]);
        var console = Path.Combine(feed.Root, "PingConsole");
        await DotNet.RunAsync(console, feed.Packages, ["add", "package", "Endpoints.Client"]);
        await DotNet.RunAsync(console, feed.Packages, ["add", "reference", Path.Combine(contract, "PingContract.csproj")]);
        await File.WriteAllTextAsync(Path.Combine(console, "Program.cs"), """
            using Endpoints.Client;

            await using var ping = await PingClient.ConnectAsync(new Uri(args[0]));
            Console.WriteLine("pong: " + (await ping.RequestAsync(new PingContract.Ping(1))).Number);

            [WebSocketClient(typeof(PingContract.PingEndpoint))]
            public sealed partial class PingClient;
            """);
        AddProperties(console, "PingConsole", "<TreatWarningsAsErrors>true</TreatWarningsAsErrors><EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>");
        (_, build) = await DotNet.RunAsync(console, feed.Packages, ["build", "-c", "Release"]);
        Assert.Contains("0 Warning(s)", build);
        // The typed client's generator ran once; the library's Endpoints analyzers reach this project through its
        // reference (NuGet flows them to referencing projects), and find no endpoint of its own to write.
        Assert.Contains("Endpoints.Client.Generator", GeneratorsThatWrote(console));
        Assert.Single(Directory.GetFiles(Path.Combine(console, "obj", "Release", "net10.0", "generated"), "*.WebSocketClient.g.cs", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(console, "obj", "Release", "net10.0", "generated"), "*.WebSocketEndpoint.g.cs", SearchOption.AllDirectories));

        await using var running = await RunningApp.StartAsync(both, feed.Packages, DotNet.Executable, [Path.Combine("bin", "Release", "net10.0", "BothApp.dll")]);
        var (_, reply) = await DotNet.RunAsync(console, feed.Packages, [Path.Combine("bin", "Release", "net10.0", "PingConsole.dll"), running.Address.ToString()]);
        Assert.Contains("pong: 2", reply);

        // Endpoints' generators that wrote files into the project's obj/…/generated folder (each its own folder, once).
        static List<string> GeneratorsThatWrote(string project)
            => Directory.GetDirectories(Path.Combine(project, "obj", "Release", "net10.0", "generated"))
                .Select(Path.GetFileName).Where(name => name!.StartsWith("Endpoints.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()!;
    }

    [Fact]
    public async Task MistakesAreCompileErrorsAtTheirLinesAndSuppressionsWork()
    {
        var app = await NewWebAppAsync("MistakesApp");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.MapWebSocketEndpoints();
            app.Run();
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Endpoints.cs"), """
            using Endpoints;

            namespace MistakesApp;

            [WebSocketEndpoint("/rooms/{room}")]
            public sealed class RoomEndpoint
            {
                public async void OnText(string text) => await Task.Yield();
            #pragma warning disable WS0030
                public void OnCloze() { }
            #pragma warning restore WS0030
            }

            [WebSocketEndpoint("chat")]
            public sealed class ChatEndpoint
            {
                public void OnOpen(Clock clock) { }
            }

            public sealed class Clock { }
            """);
        // WS0024 (the unused {room}) is turned off the way a team would, in .editorconfig.
        await File.WriteAllTextAsync(Path.Combine(app, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.WS0024.severity = none\n");

        var (exitCode, output) = await DotNet.RunAsync(app, feed.Packages, ["build", "-c", "Release"], allowFailure: true);
        Assert.NotEqual(0, exitCode);
        var reported = DiagnosticLine().Matches(output)
            .Select(m => $"{Path.GetFileName(m.Groups["file"].Value)}({m.Groups["line"].Value},{m.Groups["column"].Value}): {m.Groups["severity"].Value} {m.Groups["id"].Value}")
            .Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "Endpoints.cs(14,20): error WS0021",
                "Endpoints.cs(17,24): error WS0002",
                "Endpoints.cs(8,18): error WS0006",
            ],
            reported.Where(line => line.Contains(" WS", StringComparison.Ordinal)).ToList());
        // One mistake, one error: MapWebSocketEndpoints() exists, nothing fails inside generated code.
        Assert.DoesNotContain("error CS", output);
    }

    [Fact]
    public async Task ANativeAotPublishPrintsNoWarningAndTheBinaryServes()
    {
        var app = await NewWebAppAsync("AotApp");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ReadmeFirstEndpoint());
        AddProperties(app, "AotApp", "<PublishAot>true</PublishAot><InvariantGlobalization>true</InvariantGlobalization>");
        var output = Path.Combine(app, "native");
        var (_, publish) = await DotNet.RunAsync(app, feed.Packages, ["publish", "-c", "Release", "-r", "linux-x64", "-o", output], timeout: TimeSpan.FromMinutes(10));
        var warnings = publish.Split('\n').Where(line => WarningLine().IsMatch(line)).Distinct().ToList();
        Assert.True(warnings.Count == 0, "The Native AOT publish printed warnings:\n" + string.Join("\n", warnings));

        await using var running = await RunningApp.StartAsync(app, feed.Packages, Path.Combine(output, "AotApp"), []);
        Assert.Equal("hello, native: works", await running.RoundTripAsync("/hello/native", "works"));
    }

    [Fact]
    public async Task TheTemplateMakesAnAppWhoseTestsPass()
    {
        var hive = Path.Combine(feed.Root, "template-hive");
        await DotNet.RunAsync(feed.Root, feed.Packages, ["new", "install", Path.Combine(feed.Feed, $"Endpoints.Templates.{PackedFeed.Version}.nupkg"), "--debug:custom-hive", hive]);
        await DotNet.RunAsync(feed.Root, feed.Packages, ["new", "wsapp", "-o", "FromTemplate", "--debug:custom-hive", hive]);
        var (_, test) = await DotNet.RunAsync(Path.Combine(feed.Root, "FromTemplate"), feed.Packages, ["test"]);
        // Through Endpoints.Testing, from the feed: the app's echo, the endpoint's alone, and the refusal of another host
        // name (AllowedHosts).
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+4", test);
        Assert.True(Directory.Exists(Path.Combine(feed.Packages, "endpoints.testing", PackedFeed.Version)), "Endpoints.Testing was not restored from the feed");
        // The test host's reflection-based overload must not warn in a user's test project (no trim analysis there).
        var warnings = test.Split('\n').Where(line => WarningLine().IsMatch(line)).Distinct().ToList();
        Assert.True(warnings.Count == 0, "Building the template's tests printed warnings:\n" + string.Join("\n", warnings));
    }

    private async Task<string> NewWebAppAsync(string name)
    {
        await DotNet.RunAsync(feed.Root, feed.Packages, ["new", "web", "-o", name]);
        var app = Path.Combine(feed.Root, name);
        await DotNet.RunAsync(app, feed.Packages, ["add", "package", "Endpoints"]);
        Assert.Contains($"Include=\"Endpoints\" Version=\"{PackedFeed.Version}\"", await File.ReadAllTextAsync(Path.Combine(app, name + ".csproj")));
        return app;
    }

    private static void AddProperties(string app, string name, string properties)
    {
        var project = Path.Combine(app, name + ".csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</PropertyGroup>", properties + "\n  </PropertyGroup>", StringComparison.Ordinal));
    }

    /// <summary>The Endpoints in the isolated cache is the one just packed, byte for byte.</summary>
    private void AssertRestoredFromTheFreshPack()
    {
        var cached = Path.Combine(feed.Packages, "endpoints", PackedFeed.Version);
        var expected = Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(Path.Combine(feed.Feed, $"Endpoints.{PackedFeed.Version}.nupkg"))));
        Assert.Equal(expected, File.ReadAllText(Path.Combine(cached, $"endpoints.{PackedFeed.Version}.nupkg.sha512")).Trim());
    }

    /// <summary>The README's first example, exactly as written there.</summary>
    private static string ReadmeFirstEndpoint()
    {
        var readme = File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        var match = Regex.Match(readme, "<!-- first-endpoint:start -->\n```csharp\n(?<code>.*?)```\n<!-- first-endpoint:end -->", RegexOptions.Singleline);
        Assert.True(match.Success, "README.md has no first-endpoint section");
        return match.Groups["code"].Value;
    }

    [GeneratedRegex(@"(?<file>[^\s:()]+\.cs)\((?<line>\d+),(?<column>\d+)\): (?<severity>error|warning) (?<id>[A-Z]+\d+)")]
    private static partial Regex DiagnosticLine();

    [GeneratedRegex(@": warning [A-Z]+\d+")]
    private static partial Regex WarningLine();

    /// <summary>An app started on a free loopback port; stopped (killed) on dispose.</summary>
    private sealed class RunningApp : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;
        private readonly StringBuilder _output = new();

        private RunningApp(System.Diagnostics.Process process) => _process = process;

        public Uri Address { get; private set; } = null!;

        public static async Task<RunningApp> StartAsync(string directory, string packages, string fileName, string[] arguments)
        {
            var app = new RunningApp(DotNet.Start(directory, packages, fileName, [.. arguments, "--urls", "http://127.0.0.1:0"]));
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Read(app._process.StandardOutput);
            _ = Read(app._process.StandardError);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await using (timeout.Token.Register(() => listening.TrySetException(new TimeoutException("The app never said where it listens:\n" + app._output))))
            {
                app.Address = await listening.Task;
            }
            return app;

            async Task Read(StreamReader reader)
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    lock (app._output) app._output.AppendLine(line);
                    var at = line.IndexOf("Now listening on: ", StringComparison.Ordinal);
                    if (at >= 0) listening.TrySetResult(new Uri(line[(at + "Now listening on: ".Length)..].Trim()));
                }
                listening.TrySetException(new InvalidOperationException("The app exited:\n" + app._output));
            }
        }

        public async Task<string> RoundTripAsync(string path, string text)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{Address.Authority}{path}"), timeout.Token);
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[4096];
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, result.Count);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
