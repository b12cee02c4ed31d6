using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>Each diagnostic is reported at the exact span with a message that says what to change, and no code is generated.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
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
                public void OnMessage(string text) { }
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
    public void WS0002_RefParameterAndSecondMessage()
    {
        Verify("""
            [WebSocketEndpoint("/x")]
            public sealed class RefEndpoint
            {
                public void OnOpen(ref int {|WS0002:count|}) { }
                public void OnText(string text, string {|WS0002:again|}) { }
            }
            """);
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
    }

    [Fact]
    public void WS0003_StateRequestedWhenOnOpenReturnsNone()
    {
        var diagnostic = VerifySingle("""
            public sealed class Member { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint
            {
                public void OnOpen() { }
                public void OnClose(Member {|WS0003:member|}) { }
            }
            """);
        Assert.Equal("Parameter 'member' of OnClose has type 'Member', but OnOpen returns no state; return the state from OnOpen, mark the parameter [FromServices], or remove it", diagnostic.GetMessage());
    }

    [Fact]
    public void WS0004_MessageCallbacksWithoutTheirMessage()
    {
        Verify("""
            [WebSocketEndpoint("/m")]
            public sealed class MessageEndpoint
            {
                public void {|WS0004:OnText|}() { }
                public void {|WS0004:OnBinary|}(byte[] {|WS0003:data|}) { }
            }
            """);
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
    public void WS0007_ClassesTheGeneratorCannotUse()
    {
        var diagnostics = Verify("""
            [WebSocketEndpoint("/a")]
            public abstract class {|WS0007:AbstractEndpoint|} { public void OnText(string text) { } }

            [WebSocketEndpoint("/g")]
            public sealed class {|WS0007:GenericEndpoint|}<T> { public void OnText(string text) { } }

            public sealed class Outer
            {
                [WebSocketEndpoint("/p")]
                private sealed class {|WS0007:PrivateEndpoint|} { public void OnText(string text) { } }
            }

            [WebSocketEndpoint("/c")]
            public sealed class {|WS0007:HiddenConstructorEndpoint|} { private HiddenConstructorEndpoint() { } public void OnText(string text) { } }
            """);
        Assert.Contains("make it internal or public", diagnostics.Single(d => d.GetMessage().Contains("PrivateEndpoint")).GetMessage());
    }

    [Fact]
    public void WS0008_OverloadedCallback()
    {
        VerifySingle("""
            [WebSocketEndpoint("/o")]
            public sealed class OverloadEndpoint
            {
                public void OnText(string text) { }
                public void {|WS0008:OnText|}(string text, System.Threading.CancellationToken token) { }
            }
            """);
    }

    [Fact]
    public void WS0009_PrivateOrGenericCallback()
    {
        Verify("""
            [WebSocketEndpoint("/p")]
            public sealed class PrivateEndpoint
            {
                private void {|WS0009:OnText|}(string text) { }
                public void {|WS0009:OnBinary|}<T>(ReadOnlyMemory<byte> data) { }
            }
            """);
    }

    [Theory]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B(Missing service) { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/b\")] public sealed class B { public UnknownState OnOpen() => null!; public void OnText(UnknownState s, string text) { } }")]
    [InlineData("[WebSocketEndpoint(] public sealed class C { public void OnText(string text) { } }")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public void OnText(Undefined text) { } public void OnOpen(")]
    [InlineData("[WebSocketEndpoint(\"/d\")] public sealed class D { public Task<Unknown> OnOpen() => null!; }")]
    public void BrokenOrHalfTypedCodeGivesNoExceptionAndNoCode(string code)
    {
        // Unresolved types and half-typed attributes: the compiler reports them; the generator stays quiet.
        var run = GeneratorHarness.Run(Usings + code); // throws if the generator threw
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void ClassWithMissingClosingBracesStillGeneratesWhileBeingTyped()
    {
        // Parser recovery gives a complete class, so the IDE keeps the generated code while the user types.
        var run = GeneratorHarness.Run(Usings + "[WebSocketEndpoint(\"/a\")] public sealed class A { public void OnText(string text) { ");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.Sources, s => s.HintName == "A.WebSocketEndpoint.g.cs");
    }

    private static Diagnostic VerifySingle(string markup) => Assert.Single(Verify(markup));

    private static List<Diagnostic> Verify(string markup)
    {
        var (source, expected) = Markup.Parse(Usings + markup);
        var run = GeneratorHarness.Run(source);
        var actual = run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();

        Assert.Equal(
            expected.Select(e => $"{e.Id} at {e.Span}").OrderBy(s => s, StringComparer.Ordinal),
            actual.Select(d => $"{d.Id} at {d.Location.SourceSpan}").OrderBy(s => s, StringComparer.Ordinal));
        foreach (var diagnostic in actual)
        {
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal($"https://github.com/endpoints-dotnet/endpoints/blob/main/docs/diagnostics/{diagnostic.Id}.md", diagnostic.Descriptor.HelpLinkUri);
        }
        // An endpoint with errors emits no code.
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".WebSocketEndpoint.g.cs", StringComparison.Ordinal));
        return actual;
    }
}
