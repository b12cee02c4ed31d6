using Endpoints.CodeFixes;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Endpoints.Generator.Tests;

/// <summary>Each code fix as before and after: the generator reports the marked diagnostic, the fix removes it.</summary>
public sealed class CodeFixTests
{
    private const string Usings = """
        using System;
        using System.Threading.Tasks;
        using Endpoints;

        """;

    [Fact]
    public Task AMessageTypeMissingFromTheContextIsAddedToIt() => VerifyFix(
        """
        public sealed record Move(int X);
        public sealed record Hello(string Name);

        [System.Text.Json.Serialization.JsonSerializable(typeof(Hello))]
        internal partial class GameJson : System.Text.Json.Serialization.JsonSerializerContext;

        [WebSocketEndpoint("/g")]
        public sealed class GameEndpoint
        {
            public void OnMessage({|WS0050:Move|} move) { }
            public void OnMessage(Hello hello) { }
        }
        """,
        """
        public sealed record Move(int X);
        public sealed record Hello(string Name);

        [System.Text.Json.Serialization.JsonSerializable(typeof(Hello))]
        [System.Text.Json.Serialization.JsonSerializable(typeof(Move))]
        internal partial class GameJson : System.Text.Json.Serialization.JsonSerializerContext;

        [WebSocketEndpoint("/g")]
        public sealed class GameEndpoint
        {
            public void OnMessage(Move move) { }
            public void OnMessage(Hello hello) { }
        }
        """, remainingIds: []);

    [Fact]
    public Task OnInvalidMessageTakingTheTextTakesWebSocketInvalidMessage() => VerifyFix(
        """
        public sealed record Move(int X);

        [System.Text.Json.Serialization.JsonSerializable(typeof(Move))]
        internal partial class GameJson : System.Text.Json.Serialization.JsonSerializerContext;

        [WebSocketEndpoint("/g")]
        public sealed class GameEndpoint
        {
            public void OnMessage(Move move) { }
            public void OnInvalidMessage({|WS0002:string raw|}) { }
        }
        """,
        """
        public sealed record Move(int X);

        [System.Text.Json.Serialization.JsonSerializable(typeof(Move))]
        internal partial class GameJson : System.Text.Json.Serialization.JsonSerializerContext;

        [WebSocketEndpoint("/g")]
        public sealed class GameEndpoint
        {
            public void OnMessage(Move move) { }
            public void OnInvalidMessage(WebSocketInvalidMessage raw) { }
        }
        """, remainingIds: []);

    [Fact]
    public Task ASecondTokenIsRemovedAndItsUsesTakeTheFirst() => VerifyFix(
        """
        [WebSocketEndpoint("/t")]
        public sealed class TokenEndpoint
        {
            public Task OnText(string text, System.Threading.CancellationToken cancellationToken, {|WS0063:System.Threading.CancellationToken timeout|})
                => Task.Delay(10, timeout);
        }
        """,
        """
        [WebSocketEndpoint("/t")]
        public sealed class TokenEndpoint
        {
            public Task OnText(string text, System.Threading.CancellationToken cancellationToken)
                => Task.Delay(10, cancellationToken);
        }
        """, remainingIds: []);

    [Fact]
    public Task AnExplicitInterfaceImplementationBecomesAPublicMethod() => VerifyFix(
        """
        public interface ITextHandler
        {
            void OnText(string text);
        }

        [WebSocketEndpoint("/i")]
        public sealed class HandlerEndpoint : ITextHandler
        {
            void ITextHandler.{|WS0061:OnText|}(string text) { }
        }
        """,
        """
        public interface ITextHandler
        {
            void OnText(string text);
        }

        [WebSocketEndpoint("/i")]
        public sealed class HandlerEndpoint : ITextHandler
        {
            public void OnText(string text) { }
        }
        """, remainingIds: []);

    [Fact]
    public Task AsyncVoidCallbackReturnsTask() => VerifyFix(
        """
        [WebSocketEndpoint("/v")]
        public sealed class VoidEndpoint
        {
            public async {|WS0006:void|} OnText(string text) => await Task.Yield();
        }
        """,
        """
        [WebSocketEndpoint("/v")]
        public sealed class VoidEndpoint
        {
            public async Task OnText(string text) => await Task.Yield();
        }
        """);

    [Fact]
    public Task MisspeltCallbackIsRenamedWithItsCallers() => VerifyFix(
        """
        [WebSocketEndpoint("/t")]
        public sealed class TypoEndpoint
        {
            public void {|WS0001:OnTxt|}(string text) { }
            public void Replay(string text) => OnTxt(text);
        }
        """,
        """
        [WebSocketEndpoint("/t")]
        public sealed class TypoEndpoint
        {
            public void OnText(string text) { }
            public void Replay(string text) => OnText(text);
        }
        """);

    [Fact]
    public Task StateParameterTakesOnOpensType() => VerifyFix(
        """
        namespace Chat
        {
            public sealed class Member { }
            public sealed class Guest { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint
            {
                public Member OnOpen() => new Member();
                public void OnText({|WS0003:Guest|} member, string text) { }
            }
        }
        """,
        """
        namespace Chat
        {
            public sealed class Member { }
            public sealed class Guest { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint
            {
                public Member OnOpen() => new Member();
                public void OnText(Member member, string text) { }
            }
        }
        """);

    [Fact]
    public Task UnusedRouteValueIsAddedToOnOpen() => VerifyFix(
        """
        [WebSocketEndpoint("/rooms/{|WS0024:{room}|}/{user}")]
        public sealed class RoomEndpoint
        {
            public void OnOpen(string user) { }
        }
        """,
        """
        [WebSocketEndpoint("/rooms/{room}/{user}")]
        public sealed class RoomEndpoint
        {
            public void OnOpen(string user, string room) { }
        }
        """);

    [Fact]
    public Task UnusedRouteValueGetsAnOnOpenWhenThereIsNone() => VerifyFix(
        """
        [WebSocketEndpoint("/rooms/{|WS0024:{room}|}")]
        public sealed class RoomEndpoint
        {
            public void OnText(string text) { }
        }
        """,
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public void OnOpen(string room)
            {
            }

            public void OnText(string text) { }
        }
        """);

    [Fact]
    public Task HiddenClassAndItsHiddenContainerBecomeInternal() => VerifyFix(
        """
        public sealed class Outer
        {
            private sealed class Hidden
            {
                [WebSocketEndpoint("/n")]
                protected internal sealed class Visible { public void OnText(string text) { } }

                [WebSocketEndpoint("/p")]
                {|WS0010:private|} sealed class Inner { public void OnText(string text) { } }
            }
        }
        """,
        """
        public sealed class Outer
        {
            internal sealed class Hidden
            {
                [WebSocketEndpoint("/n")]
                protected internal sealed class Visible { public void OnText(string text) { } }

                [WebSocketEndpoint("/p")]
                internal sealed class Inner { public void OnText(string text) { } }
            }
        }
        """,
        // Fixing Inner also fixes Visible's container, so the other WS0010 goes away too.
        remainingIds: []);

    [Fact]
    public Task PatternGetsItsLeadingSlash() => VerifyFix(
        """
        [WebSocketEndpoint({|WS0021:"chat/{room}"|})]
        public sealed class ChatEndpoint { public void OnOpen(string room) { } }
        """,
        """
        [WebSocketEndpoint("/chat/{room}")]
        public sealed class ChatEndpoint { public void OnOpen(string room) { } }
        """);

    [Fact]
    public Task MissingMessageParameterIsAdded() => VerifyFix(
        """
        [WebSocketEndpoint("/m")]
        public sealed class MessageEndpoint
        {
            public void OnText{|WS0004:()|} { }
        }
        """,
        """
        [WebSocketEndpoint("/m")]
        public sealed class MessageEndpoint
        {
            public void OnText(string text) { }
        }
        """);

    [Fact]
    public Task TheChosenConstructorIsMarked() => VerifyFix(
        """
        public sealed class Clock { }

        [WebSocketEndpoint("/two")]
        public sealed class TwoWays
        {
            public TwoWays() { }
            public {|WS0019:TwoWays|}(Clock clock) { }
            public void OnText(string text) { }
        }
        """,
        """
        using System;
        using System.Threading.Tasks;
        using Endpoints;
        using Microsoft.Extensions.DependencyInjection;
        public sealed class Clock { }

        [WebSocketEndpoint("/two")]
        public sealed class TwoWays
        {
            public TwoWays() { }

            [ActivatorUtilitiesConstructor]
            public TwoWays(Clock clock) { }
            public void OnText(string text) { }
        }
        """,
        actionTitle: "Call 'TwoWays(Clock clock)' ([ActivatorUtilitiesConstructor])",
        afterIsWholeFile: true);

    [Fact]
    public Task OptionalRouteValueBecomesNullable() => VerifyFix(
        """
        [WebSocketEndpoint("/feed/{page?}")]
        public sealed class PagedEndpoint { public void OnOpen({|WS0026:int|} page) { } }
        """,
        """
        [WebSocketEndpoint("/feed/{page?}")]
        public sealed class PagedEndpoint { public void OnOpen(int? page) { } }
        """);

    [Fact]
    public Task OriginGetsItsScheme() => VerifyFix(
        """
        [WebSocketEndpoint("/o", AllowedOrigins = [{|WS0027:"app.example.com"|}])]
        public sealed class OriginEndpoint { public void OnText(string text) { } }
        """,
        """
        [WebSocketEndpoint("/o", AllowedOrigins = ["https://app.example.com"])]
        public sealed class OriginEndpoint { public void OnText(string text) { } }
        """);

    [Fact]
    public Task UrlBecomesItsPath() => VerifyFix(
        """
        [WebSocketEndpoint({|WS0021:"wss://example.com/chat/{room}"|})]
        public sealed class UrlEndpoint { public void OnOpen(string room) { } }
        """,
        """
        [WebSocketEndpoint("/chat/{room}")]
        public sealed class UrlEndpoint { public void OnOpen(string room) { } }
        """);

    [Fact]
    public Task StateThatMayBeNullIsTakenAsNullable() => VerifyFix(
        """
        public sealed class Player { }

        [WebSocketEndpoint("/maybe")]
        public sealed class MaybeEndpoint
        {
            public Player? OnOpen() => null;
            public void OnText({|WS0036:Player|} player, string text) { }
        }
        """,
        """
        public sealed class Player { }

        [WebSocketEndpoint("/maybe")]
        public sealed class MaybeEndpoint
        {
            public Player? OnOpen() => null;
            public void OnText(Player? player, string text) { }
        }
        """);

    [Fact]
    public Task AConcreteStreamBecomesStream() => VerifyFix(
        """
        [WebSocketEndpoint("/u")]
        public sealed class UploadEndpoint { public void OnBinary({|WS0033:System.IO.MemoryStream|} data) { } }
        """,
        """
        [WebSocketEndpoint("/u")]
        public sealed class UploadEndpoint { public void OnBinary(System.IO.Stream data) { } }
        """);

    [Fact]
    public Task TextTakenAsAByteArrayBecomesItsUtf8Bytes() => VerifyFix(
        """
        [WebSocketEndpoint("/t")]
        public sealed class RelayEndpoint { public void OnText({|WS0033:byte[]|} utf8) { } }
        """,
        """
        [WebSocketEndpoint("/t")]
        public sealed class RelayEndpoint { public void OnText(ReadOnlyMemory<byte> utf8) { } }
        """);

    [Fact]
    public Task AsyncSuffixIsRemoved() => VerifyFix(
        """
        [WebSocketEndpoint("/a")]
        public sealed class AsyncEndpoint
        {
            public void OnOpen() { }
            public Task {|WS0030:OnCloseAsync|}(WebSocketCloseInfo close) => Task.CompletedTask;
        }
        """,
        """
        [WebSocketEndpoint("/a")]
        public sealed class AsyncEndpoint
        {
            public void OnOpen() { }
            public Task OnClose(WebSocketCloseInfo close) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ClientsOfANonEndpointNameTheEndpoint() => VerifyFix(
        """
        namespace Chat
        {
            public sealed class Room { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint(IWebSocketClients<{|WS0070:Room|}> clients)
            {
                public Task OnText(string text) => clients.All.SendTextAsync(text).AsTask();
            }
        }
        """,
        """
        namespace Chat
        {
            public sealed class Room { }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint(IWebSocketClients<ChatEndpoint> clients)
            {
                public Task OnText(string text) => clients.All.SendTextAsync(text).AsTask();
            }
        }
        """, remainingIds: []);

    [Fact]
    public Task AVoidOnOpenAwaitsItsJoin() => VerifyFix(
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public void OnOpen(string room, WebSocketConnection connection) => {|WS0071:connection.JoinGroupAsync(room)|};
        }
        """,
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public async Task OnOpen(string room, WebSocketConnection connection) => await connection.JoinGroupAsync(room);
        }
        """, remainingIds: []);

    [Fact]
    public Task AnOnOpenWithStateAwaitsItsJoinAndReturnsATask() => VerifyFix(
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public string OnOpen(string room, WebSocketConnection connection)
            {
                {|WS0071:connection.JoinGroupAsync(room)|};
                return room;
            }

            public void OnText(string room, string text) { }
        }
        """,
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public async Task<string> OnOpen(string room, WebSocketConnection connection)
            {
                await connection.JoinGroupAsync(room);
                return room;
            }

            public void OnText(string room, string text) { }
        }
        """, remainingIds: []);

    [Fact]
    public Task ADiscardedLeaveIsAwaited() => VerifyFix(
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public async Task OnText(string room, string text, WebSocketConnection connection)
            {
                if (text == "leave") _ = {|WS0071:connection.LeaveGroupAsync(room)|};
                await Task.Yield();
            }
        }
        """,
        """
        [WebSocketEndpoint("/rooms/{room}")]
        public sealed class RoomEndpoint
        {
            public async Task OnText(string room, string text, WebSocketConnection connection)
            {
                if (text == "leave") await connection.LeaveGroupAsync(room);
                await Task.Yield();
            }
        }
        """, remainingIds: []);

    [Fact]
    public Task AStreamedLimitWithoutAStreamIsRemoved() => VerifyFix(
        """
        [WebSocketEndpoint("/files", {|WS0074:MaxStreamedMessageSize = 1024|})]
        public sealed class FilesEndpoint { public void OnBinary(ReadOnlyMemory<byte> data) { } }
        """,
        """
        [WebSocketEndpoint("/files")]
        public sealed class FilesEndpoint { public void OnBinary(ReadOnlyMemory<byte> data) { } }
        """, remainingIds: []);

    private static async Task VerifyFix(string before, string after, string[]? remainingIds = null, string? actionTitle = null, bool afterIsWholeFile = false)
    {
        var (source, expected) = Markup.Parse(Usings + before);
        var (id, span) = Assert.Single(expected);

        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Create(), "TestApp", "TestApp", LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: GeneratorHarness.ParseOptions,
                metadataReferences: GeneratorHarness.References));
        var documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Endpoint.cs", SourceText.From(source), filePath: "Endpoint.cs");
        var document = solution.GetDocument(documentId)!;

        var diagnostic = (await GeneratorDiagnosticsAsync(document)).Single(d => d.Id == id && d.Location.SourceSpan == span);
        var actions = new List<CodeAction>();
        var provider = new EndpointCodeFixProvider();
        Assert.Contains(id, provider.FixableDiagnosticIds);
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var action = actionTitle is null ? Assert.Single(actions) : Assert.Single(actions, a => a.Title == actionTitle);

        var operation = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
        var fixedDocument = operation.ChangedSolution.GetDocument(documentId)!;
        var text = (await fixedDocument.GetTextAsync()).ToString();
        // A fix that adds a using gives the whole file, usings included.
        var expectedText = afterIsWholeFile ? after : Usings + after;
        Assert.True(expectedText.ReplaceLineEndings("\n") == text.ReplaceLineEndings("\n"), "Fixed text:\n" + text);

        var remaining = (await GeneratorDiagnosticsAsync(fixedDocument)).Select(d => d.Id).ToList();
        Assert.DoesNotContain(id, remaining);
        if (remainingIds is not null) Assert.Equal(remainingIds, remaining);
    }

    private static async Task<IReadOnlyList<Diagnostic>> GeneratorDiagnosticsAsync(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        return GeneratorHarness.Run(compilation).GeneratorDiagnostics;
    }
}
