using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.Client.Tests;

/// <summary>A message as it crossed the wire, header and all.</summary>
public sealed record RawMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A small server that speaks <c>endpoints.v1</c> as docs/protocol.md says, written with plain ASP.NET Core WebSockets
/// (independent of the real server, which is written in parallel). It records every message it receives as raw bytes.
/// <c>/v1</c> picks its own subprotocol <c>chat.v2</c> first, else <c>endpoints.v1</c>, else none; <c>/plain</c> never
/// picks one. On an <c>endpoints.v1</c> connection it answers by the payload's type: <c>add</c> replies with the sum,
/// <c>reject</c> with an error, <c>hang</c> never answers, anything else is echoed as an ordinary message (then
/// acknowledged when it was a request). On a plain connection it echoes what it got, byte for byte.
/// <para>
/// Sessions (docs/protocol.md, "Sessions and resumable delivery"): it answers every hello with a welcome, by default
/// <c>{"resumable":false}</c>. With <see cref="Resumable"/> it keeps one session as the real server does: a hello
/// presenting its token resumes it (until <see cref="ExpireSession"/>), another gets a new one (<c>tok-1</c>,
/// <c>tok-2</c> …), and a message whose <c>n</c> is not above the highest it handled is dropped (acknowledged when it
/// was a request). <see cref="Welcome"/> overrides the welcome, or holds it back.
/// </para>
/// </summary>
public sealed class FakeEndpointsServer : IAsyncDisposable
{
    private const string Protocol = "endpoints.v1";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private readonly Channel<RawMessage> _received = Channel.CreateUnbounded<RawMessage>();
    private readonly Channel<JsonObject> _hellos = Channel.CreateUnbounded<JsonObject>();
    private readonly ConcurrentQueue<string> _handled = new();
    private readonly Lock _session = new();
    private string? _token;
    private int _tokens;
    private long _lastHandled;
    private readonly Channel<WebSocketCloseStatus?> _clientCloses = Channel.CreateUnbounded<WebSocketCloseStatus?>();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<RawMessage>> _answers = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private long _lastId;
    private int _connections;

    /// <summary>The last handshake's Sec-WebSocket-Protocol request header ("" when none was sent).</summary>
    public string OfferedProtocols { get; private set; } = "";

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Whether an ordinary message is echoed back. Default true.</summary>
    public bool Echo { get; set; } = true;

    /// <summary>Keeps a session, numbers and all, as a resumable endpoint does.</summary>
    public bool Resumable { get; set; }

    /// <summary>When set, the welcome's payload for a hello (its payload given), instead of the session's; null sends none.</summary>
    public Func<JsonObject, string?>? Welcome { get; set; }

    /// <summary>The payloads of the application messages handled, in order (a number dropped as handled before is not).</summary>
    public IReadOnlyList<string> Handled => [.. _handled];

    /// <summary>The session is gone (it expired): the next hello gets a new one, whatever it presents.</summary>
    public void ExpireSession()
    {
        lock (_session) _token = null;
    }

    public Uri Uri(string path) => new(BaseAddress.Replace("http://", "ws://", StringComparison.Ordinal) + path);

    private string BaseAddress { get; set; } = "";

    public static async Task<FakeEndpointsServer> StartAsync()
    {
        var server = new FakeEndpointsServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(server.AcceptAsync);
        await app.StartAsync();
        server._app = app;
        server.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    /// <summary>The next message the server received, raw; a hello is skipped unless <paramref name="withHello"/>.</summary>
    public async Task<RawMessage> NextReceivedAsync(bool withHello = false)
    {
        while (true)
        {
            var message = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
            if (withHello || !message.Text.StartsWith("{\"k\":\"hello\"}\n", StringComparison.Ordinal)) return message;
        }
    }

    /// <summary>The payload of the next hello the server received.</summary>
    public async Task<JsonObject> NextHelloAsync() => await _hellos.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

    /// <summary>The close code of the client's next close frame (null when the connection ended without one).</summary>
    public async Task<WebSocketCloseStatus?> NextClientCloseAsync() => await _clientCloses.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

    /// <summary>Sends bytes as they are (the test writes the header, or a broken one).</summary>
    public async Task SendRawAsync(WebSocketMessageType type, byte[] data)
    {
        var socket = await _socket.Task.WaitAsync(s_wait);
        await SendAsync(socket, type, data);
    }

    public Task SendRawAsync(string text) => SendRawAsync(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));

    /// <summary>A server request: <c>{"id":N}</c>, LF, the JSON; completes with the client's whole answer, raw.</summary>
    public async Task<RawMessage> RequestAsync(string json)
    {
        var id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<RawMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _answers[id] = answer;
        await SendRawAsync($"{{\"id\":{id}}}\n{json}");
        return await answer.Task.WaitAsync(s_wait);
    }

    /// <summary>Drops the connection without a close frame, as a network failure would.</summary>
    public async Task AbortAsync()
    {
        var socket = await _socket.Task.WaitAsync(s_wait);
        _socket = new TaskCompletionSource<WebSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        OfferedProtocols = context.Request.Headers.SecWebSocketProtocol.ToString();
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        string? picked = null;
        if (context.Request.Path == "/v1")
        {
            picked = offered.Contains("chat.v2") ? "chat.v2" : offered.Contains(Protocol) ? Protocol : null;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = picked });
        Interlocked.Increment(ref _connections);
        var ready = _socket;
        if (ready.Task.IsCompleted) _socket = ready = new TaskCompletionSource<WebSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        ready.TrySetResult(socket);
        try
        {
            await ReceiveAsync(socket, picked == Protocol);
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            _clientCloses.Writer.TryWrite(null);
        }
    }

    private async Task ReceiveAsync(WebSocket socket, bool envelope)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                _clientCloses.Writer.TryWrite(result.CloseStatus);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            var raw = new RawMessage(result.MessageType, message.ToArray());
            message.SetLength(0);
            _received.Writer.TryWrite(raw);
            if (envelope) await HandleAsync(socket, raw);
            else await SendAsync(socket, raw.Type, raw.Data);
        }
    }

    private async Task HandleAsync(WebSocket socket, RawMessage raw)
    {
        var lf = Array.IndexOf(raw.Data, (byte)'\n');
        if (lf < 0 || lf > 1024) throw new InvalidOperationException("The client sent a message without a header: " + raw.Text);
        long? id = null;
        var payload = raw.Data.AsMemory(lf + 1);
        if (lf > 0)
        {
            using var header = JsonDocument.Parse(raw.Data.AsMemory(0, lf));
            if (header.RootElement.TryGetProperty("re", out var re))
            {
                if (_answers.TryRemove(re.GetInt64(), out var answer)) answer.TrySetResult(raw);
                return;
            }
            if (header.RootElement.TryGetProperty("k", out var kind))
            {
                if (kind.GetString() == "hello") await HelloAsync(socket, JsonNode.Parse(payload.Span)!.AsObject());
                return;
            }
            if (header.RootElement.TryGetProperty("id", out var value)) id = value.GetInt64();
            if (header.RootElement.TryGetProperty("n", out var number) && !TryHandle(number.GetInt64()))
            {
                // Handled before the reconnect: dropped, and a request acknowledged.
                if (id is { } droppedId) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes($"{{\"re\":{droppedId}}}\n"));
                return;
            }
        }
        _handled.Enqueue(raw.Type == WebSocketMessageType.Text ? Encoding.UTF8.GetString(payload.Span) : Convert.ToHexString(payload.Span));
        var type = raw.Type == WebSocketMessageType.Text ? TypeOf(payload) : null;
        switch (type)
        {
            case "add":
                using (var add = JsonDocument.Parse(payload))
                {
                    var sum = add.RootElement.GetProperty("a").GetInt32() + add.RootElement.GetProperty("b").GetInt32();
                    if (id is { } addId) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes($"{{\"re\":{addId}}}\n{{\"sum\":{sum}}}"));
                }
                break;
            case "reject":
                if (id is { } rejectId) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes($"{{\"re\":{rejectId},\"error\":\"Room is full.\"}}\n"));
                break;
            case "hang":
                break;
            default:
                if (Echo) await SendAsync(socket, raw.Type, [(byte)'\n', .. payload.Span]);
                if (id is { } echoId) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes($"{{\"re\":{echoId}}}\n"));
                break;
        }
    }

    private async Task HelloAsync(WebSocket socket, JsonObject hello)
    {
        _hellos.Writer.TryWrite(hello);
        string? welcome;
        if (Welcome is { } custom)
        {
            welcome = custom(hello);
        }
        else if (!Resumable)
        {
            welcome = "{\"resumable\":false}";
        }
        else
        {
            lock (_session)
            {
                var resumed = _token is not null && hello["session"]?.GetValue<string>() == _token;
                if (!resumed)
                {
                    _token = "tok-" + ++_tokens;
                    _lastHandled = 0;
                }
                welcome = $"{{\"resumable\":true,\"session\":\"{_token}\",\"resumed\":{(resumed ? "true" : "false")},\"received\":{_lastHandled}}}";
            }
        }
        if (welcome is not null) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes("{\"k\":\"welcome\"}\n" + welcome));
    }

    /// <summary>Whether a message numbered <paramref name="number"/> is new to the session (it then counts as handled).</summary>
    private bool TryHandle(long number)
    {
        lock (_session)
        {
            if (number <= _lastHandled) return false;
            _lastHandled = number;
            return true;
        }
    }

    private static string? TypeOf(ReadOnlyMemory<byte> payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task SendAsync(WebSocket socket, WebSocketMessageType type, byte[] data)
    {
        await _sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(data, type, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
