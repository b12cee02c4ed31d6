using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Endpoints.Tests;

/// <summary>
/// A raw endpoints.v1 client for tests (docs/protocol.md): it says hello, reads the welcome, and splits what arrives into
/// header and payload, remembering the last position per stream as our clients do.
/// </summary>
public sealed class V1Client : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private V1Client(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public Dictionary<string, (string Epoch, long Offset)> Positions { get; } = new(StringComparer.Ordinal);

    public static async Task<V1Client> ConnectAsync(Uri uri, string? user = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("endpoints.v1");
        if (user is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + user);
        using var timeout = new CancellationTokenSource(s_timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return new V1Client(socket);
    }

    /// <summary>Says hello (with a session token and positions to resume) and returns the welcome.</summary>
    public async Task<JsonObject> HelloAsync(string? session = null, IReadOnlyDictionary<string, (string Epoch, long Offset)>? positions = null)
    {
        var hello = new JsonObject();
        if (session is not null) hello["session"] = session;
        if (positions is not null)
        {
            var members = new JsonObject();
            foreach (var (stream, (epoch, offset)) in positions) members[stream] = new JsonObject { ["e"] = epoch, ["o"] = offset };
            hello["positions"] = members;
        }
        await SendRawAsync("{\"k\":\"hello\"}\n" + hello.ToJsonString());
        var (header, payload) = await ReceiveAsync();
        Assert.Equal("welcome", header?["k"]?.GetValue<string>());
        return JsonNode.Parse(payload)!.AsObject();
    }

    public Task SendAsync(string payload, string header = "") => SendRawAsync(header + "\n" + payload);

    public async Task SendRawAsync(string text)
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>One whole message (or the close), bounded in time.</summary>
    public async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync()
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, []);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }

    /// <summary>Reads until the server's close frame and returns its status.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync()
    {
        while ((await ReceiveMessageAsync()).Type != WebSocketMessageType.Close)
        {
        }
        return Socket.CloseStatus;
    }

    /// <summary>The next message, split; a position in its header is remembered (and a subscription's too).</summary>
    public async Task<(JsonObject? Header, string Payload)> ReceiveAsync()
    {
        var (type, data) = await ReceiveMessageAsync();
        Assert.True(type != WebSocketMessageType.Close, $"Closed: {Socket.CloseStatus} {Socket.CloseStatusDescription}");
        var text = Encoding.UTF8.GetString(data);
        var lineFeed = text.IndexOf('\n', StringComparison.Ordinal);
        Assert.True(lineFeed >= 0, "No endpoints.v1 header: " + text);
        var header = lineFeed == 0 ? null : JsonNode.Parse(text[..lineFeed])!.AsObject();
        var payload = text[(lineFeed + 1)..];
        if (header?["s"] is { } stream) Positions[stream.GetValue<string>()] = (header["e"]!.GetValue<string>(), header["o"]!.GetValue<long>());
        if (header?["k"]?.GetValue<string>() == "sub")
        {
            var position = JsonNode.Parse(payload)!;
            Positions[position["s"]!.GetValue<string>()] = (position["e"]!.GetValue<string>(), position["o"]!.GetValue<long>());
        }
        return (header, payload);
    }

    /// <summary>The payloads of the next messages that are not control messages, skipping subscriptions.</summary>
    public async Task<List<string>> ReceiveTextsAsync(int count)
    {
        var texts = new List<string>();
        while (texts.Count < count)
        {
            var (header, payload) = await ReceiveAsync();
            if (header?["k"] is not null) continue;
            texts.Add(payload);
        }
        return texts;
    }

    /// <summary>Reads until every stream named has been subscribed (its "sub" arrived).</summary>
    public async Task<List<(JsonObject? Header, string Payload)>> ReceiveUntilSubscribedAsync(params string[] streams)
    {
        var pending = new HashSet<string>(streams, StringComparer.Ordinal);
        var seen = new List<(JsonObject?, string)>();
        while (pending.Count > 0)
        {
            var (header, payload) = await ReceiveAsync();
            seen.Add((header, payload));
            if (header?["k"]?.GetValue<string>() == "sub") pending.Remove(JsonNode.Parse(payload)!["s"]!.GetValue<string>());
        }
        return seen;
    }

    public void Dispose() => Socket.Dispose();
}
