using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>The generated code for representative endpoint classes: it compiles cleanly and matches its snapshot.</summary>
public sealed class GeneratedCodeSnapshotTests
{
    private const string Usings = """
        using System;
        using System.Net.WebSockets;
        using System.Security.Claims;
        using System.Threading;
        using System.Threading.Tasks;
        using Endpoints;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;

        """;

    [Fact]
    public void Stateless()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            [WebSocketEndpoint("/echo")]
            public sealed class EchoEndpoint
            {
                public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
                public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void TypedMessagesDispatchedByTypeAndSentThroughACodec()
    {
        var run = GeneratorHarness.Run(Usings + """
            using System.Text.Json.Serialization;

            namespace Samples;

            public sealed record Move(int X, int Y);
            [WebSocketMessage("chat")] public sealed record ChatLine(string Text);
            public sealed record Moved(string Player, int X, int Y);
            public sealed record Said(string Player, string Text);

            [JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
            [JsonSerializable(typeof(Move))]
            [JsonSerializable(typeof(ChatLine))]
            [JsonSerializable(typeof(Moved))]
            [JsonSerializable(typeof(Said))]
            internal partial class GameJson : JsonSerializerContext;

            [WebSocketEndpoint("/game/{player}", Sends = new[] { typeof(Moved), typeof(Said) })]
            public sealed class GameEndpoint(IWebSocketClients<GameEndpoint> clients)
            {
                public string OnOpen(string player) => player;
                public async Task OnMessage(string player, Move move) => await clients.All.SendAsync(new Moved(player, move.X, move.Y));
                public ValueTask OnMessage(ChatLine line, WebSocketConnection connection) => connection.SendAsync(new Said("me", line.Text));
                public void OnInvalidMessage(WebSocketInvalidMessage invalid, WebSocketConnection connection) => connection.TrySendText(invalid.Detail);
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void RepliesAnswerTheClientsRequest()
    {
        var run = GeneratorHarness.Run(Usings + """
            using System.Text.Json.Serialization;

            namespace Samples;

            public sealed record Join(string Name);
            public sealed record Joined(int Members);
            public sealed record Ask(int Number);
            public sealed record Told(int Number);

            [JsonSerializable(typeof(Join))]
            [JsonSerializable(typeof(Joined))]
            [JsonSerializable(typeof(Ask))]
            [JsonSerializable(typeof(Told))]
            internal partial class ReplyJson : JsonSerializerContext;

            [WebSocketEndpoint("/join", Sends = new[] { typeof(Told) })]
            public sealed class JoinEndpoint
            {
                public Task<Joined> OnMessage(Join join) => Task.FromResult(new Joined(join.Name.Length));
                public Told OnMessage(Ask ask) => new(ask.Number);
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void StatefulSync()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public sealed class Counter { public int Messages; }

            [WebSocketEndpoint("/count")]
            public sealed class CountingEndpoint
            {
                public Counter OnOpen() => new Counter();
                public void OnText(Counter counter, string text) => counter.Messages++;
                public void OnClose(Counter counter, WebSocketCloseInfo close) { }
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void AsyncStateAndConstructorServices()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public sealed record Member(string Name, WebSocketConnection Connection);
            public sealed class Rooms { public Task<Member> JoinAsync(string name, WebSocketConnection connection) => Task.FromResult(new Member(name, connection)); }
            public interface IClock { DateTimeOffset Now { get; } }

            [WebSocketEndpoint("/chat")]
            public sealed class ChatEndpoint(Rooms rooms, IClock? clock)
            {
                public async ValueTask<Member> OnOpen(WebSocketConnection connection, ClaimsPrincipal user)
                    => await rooms.JoinAsync(user.Identity?.Name ?? "anonymous", connection);

                public Task OnText(Member member, string text) => member.Connection.SendTextAsync($"{clock?.Now}: {text}").AsTask();
                public void OnError(Member member, Exception error) { }
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void TaskOfStateWithoutOtherCallbacksUsingIt()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            [WebSocketEndpoint("/ticker")]
            public sealed class TickerEndpoint
            {
                public Task<int> OnOpen(WebSocketConnection connection) => Task.FromResult(42);
                public ValueTask OnClose(WebSocketCloseInfo close) => default;
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void RouteValuesOfSeveralTypes()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public enum Channel { News, Sports }

            public readonly record struct Slug(string Value)
            {
                public static bool TryParse(string text, out Slug slug)
                {
                    slug = new Slug(text);
                    return text.Length > 0 && !text.Contains(' ');
                }
            }

            [WebSocketEndpoint("/feeds/{tenant}/{id:int}/{session}/{channel}/{slug}/{page?}")]
            public sealed class FeedEndpoint
            {
                public void OnOpen(string tenant, int id, Guid session, Channel channel, Slug slug, int? page) { }
                public void OnText(string text, string tenant, int id) { }
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void ServicesInCallbacks()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public interface IGreeter { string Greet(string name); }
            public interface IAudit { void Record(string entry); }

            [WebSocketEndpoint("/greet/{name}")]
            public sealed class GreetEndpoint
            {
                public ValueTask OnOpen(WebSocketConnection connection, string name, [FromServices] IGreeter greeter)
                    => connection.SendTextAsync(greeter.Greet(name));

                public void OnText(string text, [FromServices] IAudit audit, [FromServices] IGreeter? optionalGreeter) => audit.Record(text);
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void EveryCallbackShape()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public sealed class Session { }

            [WebSocketEndpoint("/everything", MaxMessageSize = 65536)]
            public sealed class EverythingEndpoint
            {
                public ValueTask<Session> OnOpen(HttpContext context, CancellationToken closed) => new(new Session());
                public static Task OnText(Session session, string text, WebSocketConnection connection) => Task.CompletedTask;
                public void OnBinary(ReadOnlyMemory<byte> data, Session session, CancellationToken closed) { }
                public Task OnClose(WebSocketCloseInfo close, Session session, ClaimsPrincipal user) => Task.CompletedTask;
                public ValueTask OnError(Exception error, Session session, WebSocketConnection connection) => default;
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void PipelineMetadataSettingsAndRequestValues()
    {
        var run = GeneratorHarness.Run(Usings + """
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.AspNetCore.RateLimiting;

            namespace Samples;

            [AttributeUsage(AttributeTargets.Class, Inherited = true)]
            public sealed class AuditAttribute(Type kind, DayOfWeek day, params int[] levels) : Attribute
            {
                public Type Kind { get; } = kind;
                public DayOfWeek Day { get; } = day;
                public int[] Levels { get; } = levels;
                public char Marker { get; set; }
                public string? Note { get; set; }
            }

            [Audit(typeof(string), DayOfWeek.Friday, 1, 2, Marker = 'x', Note = "say \"hi\"")]
            [System.Diagnostics.DebuggerDisplay("not metadata")]
            public abstract class AuditedEndpointBase { }

            [Authorize(Policy = "members", Roles = "admin,ops")]
            [EnableRateLimiting("per-user")]
            [Tags("chat", "realtime")]
            [WebSocketEndpoint("/secure/{room}", SubProtocols = new[] { "chat.v2", "chat.v1" }, AllowedOrigins = new[] { "https://app.example.com" }, EnableCompression = true)]
            public sealed class SecureEndpoint : AuditedEndpointBase
            {
                public void OnOpen(string room, [FromQuery] int? page, [FromQuery(Name = "access_token")] string? token, [FromHeader(Name = "X-Client")] string client, [FromHeader] Guid? trace) { }
                public void OnText(string text, [FromQuery] int? page) { }
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void NestedClassAndInheritedCallback()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;

            public abstract class LoggingEndpointBase
            {
                public void OnError(Exception error) { }
            }

            public static class Outer
            {
                [WebSocketEndpoint("/nested")]
                internal sealed class NestedEndpoint : LoggingEndpointBase
                {
                    public void OnText(string text) { }
                }
            }
            """);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run);
    }

    [Fact]
    public void EndpointsOfAReferencedProjectAreMappedToo()
    {
        // The library is compiled with the generator first, as a referenced project would be.
        var library = GeneratorHarness.Run(Usings + """
            namespace Library;

            [WebSocketEndpoint("/library/echo")]
            public sealed class EchoEndpoint
            {
                public void OnText(string text) { }
            }
            """, assemblyName: "Shared.Library");
        library.AssertCompilesCleanly();

        var app = GeneratorHarness.Run(Usings + """
            namespace App;

            [WebSocketEndpoint("/app/echo")]
            public sealed class EchoEndpoint
            {
                public void OnText(string text) { }
            }
            """, assemblyName: "App", extraReferences: [library.Output.ToMetadataReference()]);
        app.AssertCompilesCleanly();
        Snapshot.Verify(app);
    }

    [Fact]
    public void AProjectWithoutEndpointsOfItsOwnStillMapsReferencedOnes()
    {
        var library = GeneratorHarness.Run(Usings + """
            namespace Library;

            [WebSocketEndpoint("/library/echo")]
            public sealed class EchoEndpoint
            {
                public void OnText(string text) { }
            }
            """, assemblyName: "Library");
        var app = GeneratorHarness.Run("namespace App; public static class Program { }", assemblyName: "App",
            extraReferences: [library.Output.ToMetadataReference()]);
        app.AssertCompilesCleanly();
        Snapshot.Verify(app);
    }

    [Fact]
    public void NoEndpointsAndNoReferencedModulesGenerateNothing()
    {
        var run = GeneratorHarness.Run("namespace App; public sealed class NotAnEndpoint { public void OnText(string text) { } }");
        run.AssertCompilesCleanly();
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void SameInputGivesByteIdenticalOutput()
    {
        const string source = Usings + """
            namespace Samples;
            [WebSocketEndpoint("/b")] public sealed class B { public void OnText(string text) { } }
            [WebSocketEndpoint("/a")] public sealed class A { public void OnText(string text) { } }
            """;
        var first = GeneratorHarness.Run(source).Sources.Select(s => (s.HintName, Text: s.SourceText.ToString())).ToList();
        var second = GeneratorHarness.Run(source).Sources.Select(s => (s.HintName, Text: s.SourceText.ToString())).ToList();
        Assert.Equal(first, second);
        var module = first.Single(s => s.HintName == "WebSocketEndpoints.g.cs").Text;
        Assert.True(module.IndexOf("Map_Samples_A", StringComparison.Ordinal) < module.IndexOf("Map_Samples_B", StringComparison.Ordinal),
            "Endpoints are listed in ordinal order of their names.");
    }

    [Fact]
    public void GeneratedCodeUsesNoReflection()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples;
            public sealed class Service { }
            [WebSocketEndpoint("/r/{id}")]
            public sealed class ReflectionFree(Service service)
            {
                public Service OnOpen(int id) => service;
                public void OnText(Service state, string text) { }
            }
            """);
        run.AssertCompilesCleanly();
        foreach (var source in run.Sources)
        {
            var text = source.SourceText.ToString();
            foreach (var banned in new[] { "System.Reflection", "Activator", "ActivatorUtilities", "MakeGenericType", "dynamic", "GetMethod(" })
            {
                Assert.DoesNotContain(banned, text, StringComparison.Ordinal);
            }
        }
    }
}
