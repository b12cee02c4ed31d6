using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Endpoints.Runtime.Tests.Client;

/// <summary>
/// The browser client (src/Endpoints.Runtime/Client/endpoints-client.js): its node tests (endpoints-client.test.mjs,
/// over a fake WebSocket, run by <c>node --test</c>), and its typings (endpoints-client.d.ts) used by a page under
/// <c>tsc --strict --noEmit</c>, TypeScript from npm in artifacts/npm as the generator's TypeScript tests have it.
/// </summary>
public sealed class BrowserClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheModulePassesItsNodeTests()
    {
        // A folder of its own with package.json "type": "module": an older node reads a .js file as CommonJS.
        var folder = FreshFolder("browser-client");
        File.Copy(Path.Combine(ClientFolder(), "endpoints-client.js"), Path.Combine(folder, "endpoints-client.js"));
        File.Copy(Path.Combine(ThisDirectory(), "endpoints-client.test.mjs"), Path.Combine(folder, "endpoints-client.test.mjs"));
        await File.WriteAllTextAsync(Path.Combine(folder, "package.json"), """{ "type": "module", "private": true }""");

        var (exitCode, text) = await RunAsync("node", folder, ["--test", "--test-reporter=tap", "endpoints-client.test.mjs"]);
        output.WriteLine(text);
        Assert.True(exitCode == 0, "node --test failed:\n" + text);
        int Count(string name) => int.Parse(Regex.Match(text, $@"^# {name} (\d+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Count("pass") > 0, "node ran no tests:\n" + text);
        Assert.Equal(Count("tests"), Count("pass"));
        Assert.Equal(0, Count("fail") + Count("cancelled") + Count("skipped") + Count("todo"));
    }

    [Fact]
    public async Task APageUsingRequestsCompilesUnderStrictTsc()
    {
        var (exitCode, text) = await TscAsync("browser-client", new Dictionary<string, string> { ["page.ts"] = Page });
        Assert.True(exitCode == 0, "tsc found errors:\n" + text);
    }

    [Fact]
    public async Task AWrongReplyTypeDoesNotCompile()
    {
        var wrong = Page.Replace("members.toFixed(0)", "members.toUpperCase()", StringComparison.Ordinal);
        Assert.NotEqual(Page, wrong);
        var (exitCode, text) = await TscAsync("browser-client-wrong", new Dictionary<string, string> { ["page.ts"] = wrong });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("error TS2339: Property 'toUpperCase' does not exist on type 'number'.", text);
        Assert.Equal(1, Regex.Count(text, "error TS"));
    }

    /// <summary>A page that uses the requests, acknowledgements and server requests as intended; @ts-expect-error marks what must not compile.</summary>
    private const string Page = """
        import { EndpointsSocket, EndpointsProtocol } from "/_endpoints/client.js";
        import type { GapDetail, MessageData, RequestErrorName, RequestOptions, StreamPosition, UnconfirmedDetail } from "/_endpoints/client.js";

        interface Members {
          members: number;
        }

        const socket = new EndpointsSocket("/chat/lobby", { protocols: ["chat.v2"], endpointsProtocol: true, requestTimeoutMs: 10000, welcomeTimeoutMs: 3000 });
        const plain = new EndpointsSocket("/echo", { endpointsProtocol: false });
        const options: RequestOptions = { timeoutMs: 5000, signal: new AbortController().signal };

        async function run(): Promise<void> {
          const reply = await socket.request<Members>("join", { name: "ann" }, options);
          console.log(reply.members.toFixed(0));
          const untyped = await socket.request("join", { name: "ann" });
          // @ts-expect-error an untyped reply is unknown
          console.log(untyped.members);
          const acknowledged: void = await socket.sendWithAck("say", { text: "hi" }, { timeoutMs: 1000 });
          const data: MessageData = new Uint8Array([1, 2]);
          const answer: string = await socket.requestRaw(data);
          console.log(acknowledged, answer.length, await socket.requestRaw("ping"));
          try {
            await plain.sendWithAck("say", { text: "hi" });
          } catch (error) {
            const name = (error as Error).name as RequestErrorName;
            if (name === "TimeoutError" || name === "RequestError") console.log((error as Error).message);
          }
        }

        socket.onRequest<{ question: string }, { ok: boolean }>("confirm", question => ({ ok: question.question.length > 0 }));
        socket.onRequest<{ question: string }, { ok: boolean }>("confirm", async () => ({ ok: true }));
        // @ts-expect-error the reply has the declared shape
        socket.onRequest<{ question: string }, { ok: boolean }>("confirm", () => ({ yes: true }));
        const stop: () => void = socket.onRequest(request => request);
        stop();
        socket.addEventListener("statechange", e => console.log(e.detail.protocol ?? "", socket.protocol === EndpointsProtocol));

        // Sessions: what could not be replayed or resent is reported.
        socket.addEventListener("statechange", e => { if (e.detail.state === "open" && e.detail.resumed === false) void socket.requestRaw("/who"); });
        socket.addEventListener("gap", e => {
          const gap: GapDetail = e.detail;
          console.log(`${gap.count ?? "Some"} messages of ${gap.stream} could not be recovered (from ${gap.epoch}:${gap.offset.toFixed(0)}).`);
        });
        socket.addEventListener("unconfirmed", e => {
          const detail: UnconfirmedDetail = e.detail;
          if (detail.reason === "session-lost") for (const message of detail.messages) socket.send(message);
          else console.log(`${detail.count ?? "Some"} messages were lost`);
        });
        const token: string | null = socket.session;
        const resumed: boolean = socket.resumed;
        const lobby: StreamPosition | undefined = socket.positions["g:lobby"];
        console.log(token?.length, resumed, lobby?.epoch, lobby?.offset.toFixed(0));
        // @ts-expect-error the session is the server's to give
        socket.session = "mine";
        // @ts-expect-error positions are a read-only copy
        socket.positions["g:lobby"] = { epoch: "e", offset: 1 };
        void run();
        """;

    private static string ClientFolder() => Path.Combine(RepositoryRoot(), "src", "Endpoints.Runtime", "Client");

    private static string FreshFolder(string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "npm", name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The files and endpoints-client.d.ts in artifacts/npm/tsc/{name}, "/_endpoints/client.js" mapped to the .d.ts, checked by tsc --strict --noEmit.</summary>
    private static async Task<(int ExitCode, string Output)> TscAsync(string name, Dictionary<string, string> files)
    {
        var npm = Path.Combine(RepositoryRoot(), "artifacts", "npm");
        var tsc = Path.Combine(npm, "node_modules", "typescript", "bin", "tsc");
        if (!File.Exists(tsc))
        {
            // test.sh installs it; a test run on its own installs it here.
            Directory.CreateDirectory(npm);
            var (installed, log) = await RunAsync("npm", npm, ["install", "--prefix", npm, "--no-audit", "--no-fund", "typescript@5"]);
            Assert.True(installed == 0, "npm could not install typescript:\n" + log);
        }
        var folder = FreshFolder(Path.Combine("tsc", name));
        File.Copy(Path.Combine(ClientFolder(), "endpoints-client.d.ts"), Path.Combine(folder, "endpoints-client.d.ts"));
        foreach (var (file, text) in files) await File.WriteAllTextAsync(Path.Combine(folder, file), text);
        var fileList = string.Join(", ", files.Keys.Select(f => "\"" + f + "\""));
        await File.WriteAllTextAsync(Path.Combine(folder, "tsconfig.json"), $$"""
            {
              "compilerOptions": {
                "strict": true, "noEmit": true, "target": "ES2022", "module": "ES2022", "moduleResolution": "bundler",
                "lib": ["ES2022", "DOM"], "types": [], "noUnusedLocals": true, "noImplicitReturns": true,
                "paths": { "/_endpoints/client.js": ["./endpoints-client.d.ts"] }
              },
              "files": [{{fileList}}]
            }
            """);
        return await RunAsync("node", folder, [tsc, "-p", "tsconfig.json", "--pretty", "false"]);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string directory, IEnumerable<string> arguments)
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

    private static string RepositoryRoot() => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", ".."));

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
