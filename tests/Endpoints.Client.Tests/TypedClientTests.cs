using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.Client.Tests.Calculator;

/// <summary>
/// A typed client ([WebSocketClient]) of an endpoint of this project, on a real Kestrel server: typed sends as the
/// endpoint's OnMessage binding reads them (under its own type property), requests typed by what OnMessage returns,
/// the endpoint's Sends read back as their types, and a server's request answered through the typed handler.
/// </summary>
public sealed class TypedClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ARequestCompletesWithTheReplyOnMessageReturns()
    {
        await using var server = await CalculatorServer.StartAsync();
        await using var calculator = await CalculatorClient.ConnectAsync(server.Address, "sums", scale: 10).WaitAsync(Wait);

        Assert.Equal(new Sum(50), await calculator.RequestAsync(new Add(2, 3)).WaitAsync(Wait));
        Assert.Equal(new Sum(400), await calculator.RequestAsync(new Add(30, 10)).WaitAsync(Wait));
    }

    [Fact]
    public async Task TypedSendsArriveAsTheirTypesAndWhatTheEndpointSendsIsReadAsItsTypes()
    {
        await using var server = await CalculatorServer.StartAsync();
        await using var calculator = await CalculatorClient.ConnectAsync(server.Address, "notes").WaitAsync(Wait);
        await using var messages = calculator.ReadAllAsync().GetAsyncEnumerator();

        // {"kind":"note",…}: the endpoint's own type property, which ConnectAsync gave the client.
        Assert.Equal("kind", calculator.TypeProperty);
        Assert.True(await calculator.SendAsync(new Note("remember")));
        Assert.Equal(new Noted("notes", "remember"), await Next<Noted>(messages));

        // Text the endpoint sends with SendTextAsync (not a Sends type) comes as a string.
        Assert.Equal("noted: remember", await Next<string>(messages));
    }

    [Fact]
    public async Task TheServersRequestIsAnsweredByTheTypedHandler()
    {
        await using var server = await CalculatorServer.StartAsync();
        var client = new EndpointsClient(CalculatorClient.AddressFor(server.Address, "questions"), new EndpointsClientOptions { TypeProperty = "kind" });
        await using var calculator = new CalculatorClient(client);
        using var handler = calculator.OnConfirmRequest(CalculatorJson.Default.Confirmed,
            (confirm, _) => ValueTask.FromResult(new Confirmed(confirm.Question == "clear sums?")));
        await calculator.StartAsync().WaitAsync(Wait);
        await using var messages = calculator.ReadAllAsync().GetAsyncEnumerator();

        // Clear asks the client (connection.RequestAsync<Confirm, Confirmed>) and tells the verdict back as a Noted.
        await calculator.SendWithAckAsync(new Clear()).WaitAsync(Wait);
        Assert.Equal(new Noted("questions", "cleared: True"), await Next<Noted>(messages));
    }

    [Fact]
    public async Task AClientThatNamesTypesUnlikeTheEndpointIsRefusedAtOnce()
    {
        await using var client = new EndpointsClient(new Uri("ws://127.0.0.1:1/calc/x"));
        var refused = Assert.Throws<ArgumentException>(() => new CalculatorClient(client));
        Assert.Contains("EndpointsClientOptions.TypeProperty = \"kind\"", refused.Message);
    }

    [Fact]
    public void TheAddressEscapesRouteValuesAndKeepsTheServersPath()
    {
        Assert.Equal("/calc/a%2Fb%20c?scale=3", CalculatorClient.PathFor("a/b c", 3));
        Assert.Equal("/calc/x", CalculatorClient.PathFor("x"));
        Assert.Equal(new Uri("wss://example.com/app/calc/x?scale=-1"), CalculatorClient.AddressFor(new Uri("https://example.com/app/"), "x", -1));
        Assert.Equal(new Uri("ws://localhost:5000/calc/x"), CalculatorClient.AddressFor(new Uri("http://localhost:5000"), "x"));
    }

    private static async Task<T> Next<T>(IAsyncEnumerator<object> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        return Assert.IsType<T>(messages.Current);
    }

    /// <summary>The endpoint on Kestrel at a free loopback port.</summary>
    private sealed class CalculatorServer(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public static async Task<CalculatorServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            builder.Services.AddWebSocketEndpoints();
            var app = builder.Build();
            app.MapWebSocketEndpoint<CalculatorEndpoint>();
            await app.StartAsync();
            return new CalculatorServer(app, new Uri(app.Urls.First()));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

public sealed record Add(int A, int B);
public sealed record Sum(int Value);
public sealed record Note(string Text);
public sealed record Clear;
public sealed record Noted(string Room, string Text);
public sealed record Confirm(string Question);
public sealed record Confirmed(bool Ok);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Add))]
[JsonSerializable(typeof(Sum))]
[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(Clear))]
[JsonSerializable(typeof(Noted))]
[JsonSerializable(typeof(Confirm))]
[JsonSerializable(typeof(Confirmed))]
internal sealed partial class CalculatorJson : JsonSerializerContext;

/// <summary>Adds (a reply, times the ?scale=), notes (a Sends back, then a text), and clears after asking the client.</summary>
[WebSocketEndpoint("/calc/{room}", JsonContext = typeof(CalculatorJson), MessageTypeProperty = "kind", Sends = new[] { typeof(Noted), typeof(Confirm) })]
public sealed class CalculatorEndpoint
{
    public string OnOpen(string room, [FromQuery] int? scale) => room + "|" + (scale ?? 1);

    public Sum OnMessage(string state, Add add) => new((add.A + add.B) * int.Parse(state.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture));

    public async Task OnMessage(string state, Note note, WebSocketConnection connection)
    {
        await connection.SendAsync(new Noted(state.Split('|')[0], note.Text));
        await connection.SendTextAsync("noted: " + note.Text);
    }

    // Asked off the callback: awaited inside it, the answer would wait behind the callback (docs/protocol.md).
    public void OnMessage(string state, Clear clear, WebSocketConnection connection) => _ = AskAsync(state.Split('|')[0], connection);

    private static async Task AskAsync(string room, WebSocketConnection connection)
    {
        var answer = await connection.RequestAsync<Confirm, Confirmed>(new Confirm("clear sums?"), TimeSpan.FromSeconds(10));
        await connection.SendAsync(new Noted(room, "cleared: " + answer.Ok));
    }
}

[WebSocketClient(typeof(CalculatorEndpoint))]
internal sealed partial class CalculatorClient;
