using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>
/// Each diagnostic is reported at the exact span (marked <c>{|WSxxxx:…|}</c>) with a message that says what to
/// change; an endpoint with an error gets no code, one with only warnings still does.
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

    [Fact]
    public void WS0001_ClassWithoutCallbacks()
    {
        var diagnostic = VerifySingle("""
            [WebSocketEndpoint("/nothing")]
            public sealed class {|WS0001:Nothing|}
            {
                public void Helper(string text) { }
            }
            """);
        Assert.Equal("'Nothing' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnClose or OnError; add at least one", diagnostic.GetMessage());
    }

    [Fact]
    public void WS0002_OnOpenParameterThatCannotBeBound()
    {
        var diagnostic = VerifySingle("""
            public sealed class Clock { }

            [WebSocketEndpoint("/rooms/{room}")]
            public sealed class RoomEndpoint
            {
                public void OnOpen(string room, Clock {|WS0002:clock|}) { }
            }
            """);
        Assert.Equal(
            "Parameter 'clock' of OnOpen cannot be bound: its type 'Clock' is not one the generator binds (WebSocketConnection, HttpContext, CancellationToken, ClaimsPrincipal), " +
            "no route value of '/rooms/{room}' is named 'clock', and it is not marked [FromServices]; rename it after a route value, mark it [FromServices], or take it in the constructor",
            diagnostic.GetMessage());
    }

    [Fact]
    public void WS0002_RouteValueWithoutTryParse()
    {
        var diagnostic = VerifySingle("""
            public sealed class Point { }

            [WebSocketEndpoint("/at/{where}")]
            public sealed class PointEndpoint
            {
                public void OnOpen(Point {|WS0002:where|}) { }
            }
            """);
        Assert.Contains("takes the route value 'where', but 'Point' has no static TryParse method", diagnostic.GetMessage());
    }

    [Fact]
    public void WS0003_StateTypeDoesNotMatchOnOpen()
    {
        var diagnostic = VerifySingle("""
            public sealed class Member { }
            public sealed class Guest { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint
            {
                public Member OnOpen() => new Member();
                public void OnText(Guest {|WS0003:guest|}, string text) { }
            }
            """);
        Assert.Equal("Parameter 'guest' of OnText has type 'Guest', but OnOpen returns state of type 'Member'; change the parameter's type to 'Member'", diagnostic.GetMessage());
        Assert.Equal("global::Member", diagnostic.Properties["Suggestion"]);
    }

    [Fact]
    public void WS0004_MessageCallbacksWithoutTheirMessage()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/m")]
            public sealed class MessageEndpoint
            {
                public void {|WS0004:OnText|}() { }
                public void {|WS0004:OnBinary|}(CancellationToken closed) { }
            }
            """);
        Assert.Equal("OnText must take the message as a parameter of type string", diagnostics[0].GetMessage());
    }

    [Fact]
    public void WS0005_UnsupportedReturnTypes()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/r")]
            public sealed class ReturnEndpoint
            {
                public int {|WS0005:OnText|}(string text) => 0;
                public Task<int> {|WS0005:OnClose|}() => Task.FromResult(0);
            }
            """);
        Assert.Equal("OnText returns 'int'; OnText may return void, Task or ValueTask", diagnostics[0].GetMessage());
    }

    [Fact]
    public void WS0006_AsyncVoidCallback()
    {
        VerifySingle("""
            [WebSocketEndpoint("/v")]
            public sealed class VoidEndpoint
            {
                public async void {|WS0006:OnText|}(string text) => await Task.Yield();
            }
            """);
    }

    [Fact]
    public void WS0007_StateRequestedWhenOnOpenReturnsNoneOrIsMissing()
    {
        var diagnostics = Verify("""
            public sealed class Member { }

            [WebSocketEndpoint("/a")]
            public sealed class NoStateEndpoint
            {
                public void OnOpen() { }
                public void OnClose(Member {|WS0007:member|}) { }
            }

            [WebSocketEndpoint("/b")]
            public sealed class NoOpenEndpoint
            {
                public void OnText(Member {|WS0007:member|}, string text) { }
            }
            """);
        Assert.Equal("Parameter 'member' of OnClose has type 'Member', but OnOpen returns no state; return the state from OnOpen, mark the parameter [FromServices], or remove it", diagnostics[0].GetMessage());
        Assert.Contains("but there is no OnOpen to return state", diagnostics[1].GetMessage());
    }

    [Fact]
    public void WS0008_OverloadedCallback()
    {
        VerifySingle("""
            [WebSocketEndpoint("/o")]
            public sealed class OverloadEndpoint
            {
                public void OnText(string text) { }
                public void {|WS0008:OnText|}(string text, CancellationToken token) { }
            }
            """);
    }

    [Fact]
    public void WS0009_ByRefParameters()
    {
        Verify("""
            [WebSocketEndpoint("/x")]
            public sealed class RefEndpoint
            {
                public void OnOpen(ref int {|WS0009:count|}) { }
                public void OnText(string text, out int {|WS0009:length|}) => length = 0;
            }
            """);
    }

    [Fact]
    public void WS0010_ClassesGeneratedCodeCannotSee()
    {
        var diagnostics = Verify("""
            public sealed class Outer
            {
                [WebSocketEndpoint("/p")]
                private sealed class {|WS0010:PrivateEndpoint|} { public void OnText(string text) { } }

                private sealed class Hidden
                {
                    [WebSocketEndpoint("/n")]
                    public sealed class {|WS0010:InsideHidden|} { public void OnText(string text) { } }
                }
            }

            [WebSocketEndpoint("/f")]
            file sealed class {|WS0010:FileLocalEndpoint|} { public void OnText(string text) { } }
            """);
        Assert.Equal("'PrivateEndpoint' is private, so the generated code cannot create it; make it internal or public", diagnostics[0].GetMessage());
        Assert.Equal("'InsideHidden' is nested in private 'Hidden', so the generated code cannot create it; make it internal or public", diagnostics[1].GetMessage());
        Assert.Equal("'FileLocalEndpoint' is file-local, so the generated code cannot create it; make it internal or public", diagnostics[2].GetMessage());
    }

    [Fact]
    public void WS0011_To_WS0014_ClassShapesThatCannotBeInstantiated()
    {
        Verify("""
            [WebSocketEndpoint("/a")]
            public abstract class {|WS0011:AbstractEndpoint|} { public void OnText(string text) { } }

            [WebSocketEndpoint("/s")]
            public static class {|WS0012:StaticEndpoint|} { public static void OnText(string text) { } }

            [WebSocketEndpoint("/g")]
            public sealed class {|WS0013:GenericEndpoint|}<T> { public void OnText(string text) { } }

            [WebSocketEndpoint("/c")]
            public sealed class {|WS0014:HiddenConstructorEndpoint|} { private HiddenConstructorEndpoint() { } public void OnText(string text) { } }
            """);
    }

    [Fact]
    public void WS0015_ConstructorParameterUnlikelyToBeAServiceIsAWarningAndCodeIsStillGenerated()
    {
        var (diagnostics, run) = VerifyWithRun("""
            [WebSocketEndpoint("/w")]
            public sealed class WarnedEndpoint(string {|WS0015:connectionString|}, int? {|WS0015:retries|})
            {
                public void OnText(string text) { }
            }
            """);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Contains("Constructor parameter 'connectionString' of 'WarnedEndpoint' has type 'string', which is rarely registered as a service", diagnostics[0].GetMessage());
        Assert.Contains(run.Sources, s => s.HintName == "WarnedEndpoint.WebSocketEndpoint.g.cs");
    }

    [Fact]
    public void WS0016_ConstructorParameterByRef()
    {
        VerifySingle("""
            public sealed class Clock { }
            [WebSocketEndpoint("/r")]
            public sealed class RefConstructorEndpoint
            {
                public RefConstructorEndpoint(in Clock {|WS0016:clock|}) { }
                public void OnText(string text) { }
            }
            """);
    }

    [Fact]
    public void WS0020_To_WS0022_BadPatterns()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint({|WS0020:""|})]
            public sealed class EmptyEndpoint { public void OnText(string text) { } }

            [WebSocketEndpoint({|WS0021:"chat"|})]
            public sealed class NoSlashEndpoint { public void OnText(string text) { } }

            [WebSocketEndpoint({|WS0022:"/rooms/{room"|})]
            public sealed class UnclosedEndpoint { public void OnText(string text) { } }

            [WebSocketEndpoint({|WS0022:"/a/{x}/{X}"|})]
            public sealed class RepeatedEndpoint { public void OnText(string text) { } }
            """);
        Assert.Equal("The route pattern \"chat\" does not start with '/'; write \"/chat\"", diagnostics[1].GetMessage());
        Assert.Equal("/chat", diagnostics[1].Properties["Suggestion"]);
        Assert.Equal("The route pattern \"/rooms/{room\" is not valid: the '{' at position 8 is not closed", diagnostics[2].GetMessage());
        Assert.Equal("The route pattern \"/a/{x}/{X}\" is not valid: the parameter 'X' appears twice", diagnostics[3].GetMessage());
    }

    [Fact]
    public void WS0023_TwoEndpointsOnTheSamePatternAreBothReported()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint({|WS0023:"/rooms/{room}"|})]
            public sealed class First { public void OnOpen(string room) { } }

            [WebSocketEndpoint({|WS0023:"/Rooms/{name}/"|})]
            public sealed class Second { public void OnOpen(string name) { } }

            [WebSocketEndpoint("/rooms/{id:int}")]
            public sealed class ConstrainedIsDifferent { public void OnOpen(int id) { } }
            """, expectCode: true);
        Assert.Equal("'First' and 'Second' both use the route pattern \"/rooms/{room}\"; a request could match either, so give each its own", diagnostics[0].GetMessage());
        Assert.Equal("'Second' and 'First' both use the route pattern \"/Rooms/{name}/\"; a request could match either, so give each its own", diagnostics[1].GetMessage());
    }

    [Fact]
    public void WS0024_RouteParameterNoCallbackTakesIsInformation()
    {
        var (diagnostics, run) = VerifyWithRun("""
            [WebSocketEndpoint({|WS0024:"/rooms/{room}/{user}"|})]
            public sealed class PartlyUsed { public void OnOpen(string user) { } }
            """);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Equal("The route parameter 'room' is not taken by any callback of 'PartlyUsed'; add a parameter named 'room' to OnOpen to use it", diagnostic.GetMessage());
        Assert.Equal("room", diagnostic.Properties["Suggestion"]);
        Assert.Contains(run.Sources, s => s.HintName == "PartlyUsed.WebSocketEndpoint.g.cs");
    }

    [Fact]
    public void WS0030_MethodsThatLookLikeMisspeltCallbacks()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/t")]
            public sealed class TypoEndpoint
            {
                public void OnOpen() { }
                public void {|WS0030:OnTxt|}(string text) { }
                public void {|WS0030:OnMesage|}(string text) { }
                public void {|WS0030:OnDisconnected|}() { }
                public void OnOpened() { } // OnOpen exists: renaming would only make an overload
                public void OnTick() { }   // not close to any callback
            }
            """, expectCode: true);
        Assert.Equal("'OnTxt' is not a callback name, so it is never called; did you mean 'OnText'?", diagnostics[0].GetMessage());
        Assert.Equal("OnText", diagnostics[1].Properties["Suggestion"]);
        Assert.Equal("OnClose", diagnostics[2].Properties["Suggestion"]);
    }

    [Fact]
    public void WS0031_And_WS0032_CallbacksGeneratedCodeCannotCall()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/p")]
            public sealed class PrivateEndpoint
            {
                private void {|WS0032:OnText|}(string text) { }
                public void {|WS0031:OnBinary|}<T>(ReadOnlyMemory<byte> data) { }
            }
            """);
        Assert.Equal("OnText is private, so the generated code cannot call it; make it public or internal", diagnostics[0].GetMessage());
    }

    [Fact]
    public void WS0033_MessageParameterOfTheWrongType()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/w")]
            public sealed class WrongEndpoint
            {
                public void OnBinary(byte[] {|WS0033:data|}) { }
                public void OnError(InvalidOperationException {|WS0033:error|}) { }
            }
            """);
        Assert.Equal("Parameter 'data' of OnBinary has type 'byte[]', but OnBinary receives the message as ReadOnlyMemory<byte>; change the parameter's type to ReadOnlyMemory<byte>", diagnostics[0].GetMessage());
    }

    [Fact]
    public void WS0034_MessageTakenTwice()
    {
        var diagnostic = VerifySingle("""
            [WebSocketEndpoint("/twice")]
            public sealed class TwiceEndpoint
            {
                public void OnText(string text, string {|WS0034:again|}) { }
            }
            """);
        Assert.Equal("Parameter 'again' of OnText takes the message again ('text' already does); remove one of them", diagnostic.GetMessage());
    }

    [Fact]
    public void WS0040_ReceivedBufferStoredOrCaptured()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/keep")]
            public sealed class KeepingEndpoint
            {
                private ReadOnlyMemory<byte> _last;
                private byte[] _copy = [];
                public ReadOnlyMemory<byte> Latest { get; set; }

                public void OnBinary(ReadOnlyMemory<byte> data)
                {
                    _last = {|WS0040:data|};
                    Latest = {|WS0040:data|};
                    _copy = data.ToArray();                       // a copy is fine
                    var length = data.Length;                     // so is reading it now
                    _ = Task.Run(() => Console.WriteLine({|WS0040:data|}.Length));
                }
            }
            """, expectCode: true);
        Assert.Equal("'data' is stored in '_last', but the buffer is reused once OnBinary returns; copy it with 'data.ToArray()' to keep the data", diagnostics[0].GetMessage());
        Assert.Contains("captured by a lambda or local function that may run later", diagnostics[2].GetMessage());
    }

    [Theory]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B(Missing service) { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B { public UnknownState OnOpen() => null!; public void OnText(UnknownState s, string text) { } }")]
    [InlineData("[WebSocketEndpoint(] public sealed class C { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public void OnText(Undefined text) { } public void OnOpen(")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public Task<Unknown> OnOpen() => null!; }")]
    [InlineData("[WebSocketEndpoint(\"/e\")] public sealed class E { public void OnBinary(ReadOnlyMemory<byte> data) { _x = data; } }")]
    [InlineData("[WebSocketEndpoint(\"/f\")] public sealed class F { public void OnBinary(ReadOnlyMemory<byte> data) => Unknown(() => data")]
    public void BrokenOrHalfTypedCodeGivesNoExceptionAndNoCode(string code)
    {
        // Unresolved types and half-typed code: the compiler reports them; the generator neither throws nor
        // generates code against types that do not exist.
        var run = GeneratorHarness.Run(Usings + code); // throws if the generator threw
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketEndpoint.g.cs", StringComparison.Ordinal)
            && !s.HintName.StartsWith("E.", StringComparison.Ordinal) && !s.HintName.StartsWith("F.", StringComparison.Ordinal));
    }

    [Fact]
    public void ClassWithMissingClosingBracesStillGeneratesWhileBeingTyped()
    {
        // Parser recovery gives a complete class, so the IDE keeps the generated code while the user types.
        var run = GeneratorHarness.Run(Usings + "[WebSocketEndpoint(\"/a\")] public sealed class A { public void OnText(string text) { ");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.Sources, s => s.HintName == "A.WebSocketEndpoint.g.cs");
    }

    [Fact]
    public void EveryDescriptorHasADocsPageAndAReleaseEntry()
    {
        var root = RepositoryRoot();
        var releases = File.ReadAllText(Path.Combine(root, "src", "Endpoints.Generator", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "src", "Endpoints.Generator", "AnalyzerReleases.Shipped.md"));
        var index = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
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
        }
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    private static Diagnostic VerifySingle(string markup) => Assert.Single(Verify(markup));

    private static List<Diagnostic> Verify(string markup, bool expectCode = false)
    {
        var (diagnostics, run) = VerifyWithRun(markup);
        if (!expectCode && diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            // An endpoint with errors emits no code.
            Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketEndpoint.g.cs", StringComparison.Ordinal));
        }
        return diagnostics;
    }

    private static (List<Diagnostic> Diagnostics, GeneratorRun Run) VerifyWithRun(string markup)
    {
        var (source, expected) = Markup.Parse(Usings + markup);
        var run = GeneratorHarness.Run(source);
        var actual = run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();

        Assert.Equal(
            expected.Select(e => $"{e.Id} at {e.Span}").OrderBy(s => s, StringComparer.Ordinal),
            actual.Select(d => $"{d.Id} at {d.Location.SourceSpan}").OrderBy(s => s, StringComparer.Ordinal));
        foreach (var diagnostic in actual)
        {
            Assert.Equal(diagnostic.Descriptor.DefaultSeverity, diagnostic.Severity);
            Assert.Equal($"{Endpoints.Generator.Diagnostics.DiagnosticDescriptors.HelpLinkBase}{diagnostic.Id}.md", diagnostic.Descriptor.HelpLinkUri);
        }
        return (actual, run);
    }
}
