using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
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
/// </summary>
public sealed class FakeEndpointsServer : IAsyncDisposable
{
    private const string Protocol = "endpoints.v1";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private readonly Channel<RawMessage> _received = Channel.CreateUnbounded<RawMessage>();
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

    /// <summary>The next message the server received, raw.</summary>
    public async Task<RawMessage> NextReceivedAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

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
        if (lf > 0)
        {
            using var header = JsonDocument.Parse(raw.Data.AsMemory(0, lf));
            if (header.RootElement.TryGetProperty("re", out var re))
            {
                if (_answers.TryRemove(re.GetInt64(), out var answer)) answer.TrySetResult(raw);
                return;
            }
            if (header.RootElement.TryGetProperty("id", out var value)) id = value.GetInt64();
        }
        var payload = raw.Data.AsMemory(lf + 1);
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
                await SendAsync(socket, raw.Type, [(byte)'\n', .. payload.Span]);
                if (id is { } echoId) await SendAsync(socket, WebSocketMessageType.Text, Encoding.UTF8.GetBytes($"{{\"re\":{echoId}}}\n"));
                break;
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
