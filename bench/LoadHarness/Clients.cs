using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace LoadHarness;

/// <summary>What the server under test speaks: raw WebSocket echo, or SignalR's JSON hub protocol.</summary>
public enum Protocol
{
    Raw,
    SignalR,

    /// <summary>Raw echo over the endpoints.v1 subprotocol: each message with its one-byte empty header.</summary>
    EndpointsV1,
}

/// <summary>
/// One client connection, kept lean: one send buffer and one receive buffer, the ValueTask APIs, no allocation
/// per message for raw echo.
/// </summary>
public sealed class EchoClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private readonly ClientWebSocket _socket = new();
    private readonly Protocol _protocol;
    private byte[] _receive = new byte[64 * 1024];
    private byte[] _send = [];
    private int _invocation;
    private WebSocketMessageType _sendType = WebSocketMessageType.Binary;

    private EchoClient(Protocol protocol) => _protocol = protocol;

    public static async Task<EchoClient> ConnectAsync(Uri uri, Protocol protocol, int payloadSize, bool text = false)
    {
        var client = new EchoClient(protocol) { _sendType = text ? WebSocketMessageType.Text : WebSocketMessageType.Binary };
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (protocol == Protocol.EndpointsV1) client._socket.Options.AddSubProtocol("endpoints.v1");
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        if (protocol == Protocol.EndpointsV1 && client._socket.SubProtocol != "endpoints.v1") throw new InvalidOperationException("The server did not pick endpoints.v1.");
        if (protocol == Protocol.SignalR)
        {
            await client._socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await client.ReceiveMessageAsync(); // {} handshake response
        }
        // ASCII 'x': valid as text and as binary.
        client._send = protocol switch
        {
            Protocol.Raw => Enumerable.Repeat((byte)'x', payloadSize).ToArray(),
            Protocol.EndpointsV1 => [(byte)'\n', .. Enumerable.Repeat((byte)'x', payloadSize)],
            _ => [],
        };
        // Room for a whole echo, and for SignalR's JSON envelope around it.
        if (payloadSize + 4096 > client._receive.Length) client._receive = new byte[payloadSize + 4096];
        client._payload = new string('x', payloadSize);
        return client;
    }

    private string _payload = "";

    /// <summary>Sends one echo request.</summary>
    public ValueTask SendAsync()
    {
        if (_protocol != Protocol.SignalR) return _socket.SendAsync(_send.AsMemory(), _sendType, true, CancellationToken.None);
        var id = _invocation++;
        var json = Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"Echo\",\"arguments\":[\"{_payload}\"]}}\u001e");
        return _socket.SendAsync(json.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    /// <summary>One echo, sent and received.</summary>
    public async ValueTask RoundTripAsync()
    {
        await SendAsync();
        await ReceiveEchoesAsync();
    }

    /// <summary>Waits for the next message holding echoes and says how many it holds (skipping SignalR pings).</summary>
    public async ValueTask<int> ReceiveEchoesAsync()
    {
        while (true)
        {
            var length = await ReceiveMessageAsync();
            if (_protocol != Protocol.SignalR) return 1;
            // A SignalR frame may hold several records; completions are type 3, pings type 6.
            var completions = CountCompletions(_receive.AsSpan(0, length));
            if (completions > 0) return completions;
        }
    }

    private static int CountCompletions(ReadOnlySpan<byte> records)
    {
        var completions = 0;
        foreach (var range in records.Split(RecordSeparator))
        {
            if (records[range].IndexOf("\"type\":3"u8) >= 0) completions++;
        }
        return completions;
    }

    public async Task SendTextAsync(string text) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Joins the broadcast room: nothing to do on the raw servers (every connection to /room is in it); a hub call on SignalR.</summary>
    public async Task JoinRoomAsync()
    {
        if (_protocol == Protocol.Raw) return;
        await InvokeAsync("Join", null);
        while (CountCompletions(_receive.AsSpan(0, await ReceiveMessageAsync())) == 0) { }
    }

    /// <summary>Sends one message to the room: as it is to the raw servers, through the hub's Broadcast on SignalR (no completion asked for).</summary>
    public Task BroadcastAsync(string text) => _protocol == Protocol.Raw ? SendTextAsync(text) : SendTextAsync(
        $"{{\"type\":1,\"target\":\"Broadcast\",\"arguments\":[\"{text}\"]}}\u001e");

    /// <summary>
    /// The next room message's send timestamp (its first 32 digits; SignalR's inside the "m" invocation), or -1 for a
    /// control message ("m-stop"). Parsed from the receive buffer without a string, so that the client's own cost per
    /// delivery stays small and the servers are what the broadcast scenarios measure.
    /// </summary>
    public async ValueTask<long> ReceiveBroadcastStampAsync()
    {
        while (true)
        {
            var length = await ReceiveMessageAsync();
            var message = _receive.AsSpan(0, length);
            if (_protocol == Protocol.SignalR)
            {
                var start = message.IndexOf("\"target\":\"m\",\"arguments\":[\""u8);
                if (start < 0) continue; // a ping or a completion
                message = message[(start + "\"target\":\"m\",\"arguments\":[\""u8.Length)..];
            }
            if (message.Length < 32 || message[0] == (byte)'m') return -1;
            return System.Buffers.Text.Utf8Parser.TryParse(message[..32], out long stamp, out _) ? stamp : -1;
        }
    }

    private Task InvokeAsync(string target, string? argument)
        => SendTextAsync($"{{\"type\":1,\"invocationId\":\"{_invocation++}\",\"target\":\"{target}\",\"arguments\":[{(argument is null ? "" : "\"" + argument + "\"")}]}}\u001e");

    public async ValueTask<string> ReceiveTextAsync() => Encoding.UTF8.GetString(_receive, 0, await ReceiveMessageAsync());

    private async ValueTask<int> ReceiveMessageAsync()
    {
        var count = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_receive.AsMemory(count), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed by the server");
            count += result.Count;
            if (result.EndOfMessage) return count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception)
        {
            _socket.Abort();
        }
        _socket.Dispose();
    }
}

/// <summary>Round-trip latencies in Stopwatch ticks, and the percentiles the report needs.</summary>
public sealed class Latencies
{
    private readonly List<long> _ticks = new(1 << 16);

    public void Add(long ticks)
    {
        lock (_ticks) _ticks.Add(ticks);
    }

    public int Count => _ticks.Count;

    public double PercentileMicroseconds(double percentile)
    {
        lock (_ticks)
        {
            if (_ticks.Count == 0) return double.NaN;
            _ticks.Sort();
            var index = (int)Math.Min(_ticks.Count - 1, Math.Ceiling(percentile / 100 * _ticks.Count) - 1);
            return _ticks[Math.Max(0, index)] * 1_000_000.0 / Stopwatch.Frequency;
        }
    }
}
