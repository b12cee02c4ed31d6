using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A WebSocket client written against a bare TCP socket, so tests can send frames no well-behaved client
/// would (bad UTF-8, unmasked or reserved frames) and see exactly which frames arrive before the TCP end.
/// </summary>
public sealed class RawWebSocketClient : IAsyncDisposable
{
    public const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawWebSocketClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The server's handshake response (status line and headers).</summary>
    public string Response { get; private set; } = "";

    public static async Task<RawWebSocketClient> ConnectAsync(Uri uri, string? extensions = null)
    {
        var (client, response) = await HandshakeAsync(uri, extensions is null ? [] : [$"Sec-WebSocket-Extensions: {extensions}"]);
        if (!response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            await client.DisposeAsync();
            throw new InvalidOperationException("Upgrade refused: " + response);
        }
        return client;
    }

    /// <summary>
    /// Sends an upgrade request and reads the response's head, whatever it is. <paramref name="headers"/> replace the
    /// defaults of the same name (Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version) or add to them.
    /// </summary>
    public static Task<(RawWebSocketClient Client, string Response)> HandshakeAsync(Uri uri, params string[] headers)
        => HandshakeOverAsync(uri, "HTTP/1.1", headers);

    /// <summary>The handshake with the request line's protocol chosen (HTTP/1.0 must be refused).</summary>
    public static async Task<(RawWebSocketClient Client, string Response)> HandshakeOverAsync(Uri uri, string protocol, params string[] headers)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var client = new RawWebSocketClient(tcp);
        var all = new List<string>
        {
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: " + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
            "Sec-WebSocket-Version: 13",
        };
        foreach (var header in headers)
        {
            var name = header[..(header.IndexOf(':') + 1)];
            all.RemoveAll(h => h.StartsWith(name, StringComparison.OrdinalIgnoreCase));
            all.Add(header);
        }
        // A test may send its own Host (DNS rebinding); otherwise the URI's.
        if (!all.Any(h => h.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))) all.Insert(0, "Host: " + uri.Authority);
        var request = $"GET {uri.PathAndQuery} {protocol}\r\n" + string.Concat(all.Select(h => h + "\r\n")) + "\r\n";
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        client.Response = await client.ReadHeadersAsync();
        return (client, client.Response);
    }

    /// <summary>Sends one frame; client frames are masked unless a test wants to break that rule.</summary>
    public Task SendFrameAsync(byte opcode, ReadOnlyMemory<byte> payload, bool fin = true, bool mask = true, byte reservedBits = 0)
        => WriteRawAsync(EncodeFrame(opcode, payload, fin, mask, reservedBits));

    /// <summary>Writes bytes as they are, e.g. the first part of a frame whose rest a test holds back.</summary>
    public async Task WriteRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>A client frame; <paramref name="reservedBits"/> is 0x40 (RSV1, "compressed"), 0x20 or 0x10.</summary>
    public static byte[] EncodeFrame(byte opcode, ReadOnlyMemory<byte> payload, bool fin = true, bool mask = true, byte reservedBits = 0)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | reservedBits | opcode) };
        var maskBit = mask ? 0x80 : 0;
        if (payload.Length < 126) header.Add((byte)(maskBit | payload.Length));
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }
        var body = payload.ToArray();
        if (mask)
        {
            var key = RandomNumberGenerator.GetBytes(4);
            header.AddRange(key);
            for (var i = 0; i < body.Length; i++) body[i] ^= key[i % 4];
        }
        return [.. header, .. body];
    }

    public Task SendTextAsync(string text) => SendFrameAsync(Text, Encoding.UTF8.GetBytes(text));

    public Task SendCloseAsync(ushort status)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        return SendFrameAsync(Close, payload);
    }

    /// <summary>
    /// Sends a ping and reads until its pong, returning the data frames that came before it. The server answers a ping
    /// only when its receive loop reads it, that is after it has handled every message sent before the ping.
    /// </summary>
    public async Task<List<RawFrame>> PingAsync()
    {
        var payload = RandomNumberGenerator.GetBytes(8);
        await SendFrameAsync(Ping, payload);
        var before = new List<RawFrame>();
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == Pong && frame.Payload.AsSpan().SequenceEqual(payload)) return before;
            before.Add(frame);
        }
        throw new IOException("The server ended the connection before answering the ping.");
    }

    /// <summary>Reads the next frame, or null when the server ended the TCP connection.</summary>
    public async Task<RawFrame?> ReadFrameAsync()
    {
        var head = await ReadExactlyOrEndAsync(2);
        if (head is null) return null;
        var fin = (head[0] & 0x80) != 0;
        var compressed = (head[0] & 0x40) != 0;
        var opcode = (byte)(head[0] & 0x0F);
        long length = head[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyOrEndAsync(2) ?? throw Ended());
        else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyOrEndAsync(8) ?? throw Ended());
        var payload = length == 0 ? [] : await ReadExactlyOrEndAsync((int)length) ?? throw Ended();
        return new RawFrame(fin, opcode, payload) { Compressed = compressed };
    }

    /// <summary>Reads frames until the server's close frame; returns the data frames before it and the close.</summary>
    public async Task<(List<RawFrame> Before, RawFrame? Close)> ReadUntilCloseAsync()
    {
        var before = new List<RawFrame>();
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == Close) return (before, frame);
            before.Add(frame);
        }
        return (before, null);
    }

    /// <summary>True when the server has closed the TCP connection (reads end) within the wait.</summary>
    public async Task<bool> ServerEndedConnectionAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, timeout.Token) == 0) return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Ends the TCP connection with a FIN, without a WebSocket close frame.</summary>
    public void AbortWithoutClose() => _tcp.Client.Close(0);

    /// <summary>Ends the TCP connection with a reset (RST), as a crashed client or a dropped NAT entry does.</summary>
    public void Reset()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string> ReadHeadersAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await _stream.ReadAsync(one) == 0) break;
            bytes.Add(one[0]);
        }
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    private async Task<byte[]?> ReadExactlyOrEndAsync(int count)
    {
        var buffer = new byte[count];
        var read = 0;
        try
        {
            while (read < count)
            {
                var n = await _stream.ReadAsync(buffer.AsMemory(read));
                if (n == 0) return read == 0 ? null : throw Ended();
                read += n;
            }
        }
        catch (IOException) when (read == 0)
        {
            return null;
        }
        return buffer;
    }

    private static IOException Ended() => new("The server ended the connection in the middle of a frame.");
}

public sealed record RawFrame(bool Fin, byte Opcode, byte[] Payload)
{
    /// <summary>RSV1: the payload is deflated (permessage-deflate).</summary>
    public bool Compressed { get; init; }

    public ushort CloseStatus => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : (ushort)0;

    public string Text => Encoding.UTF8.GetString(Payload.AsSpan(Opcode == RawWebSocketClient.Close ? Math.Min(2, Payload.Length) : 0));
}
