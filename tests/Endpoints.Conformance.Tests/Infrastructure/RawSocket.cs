using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Endpoints.Conformance.Tests.Infrastructure;

/// <summary>How the server's side of the TCP connection ended, as the client saw it.</summary>
public enum TcpEnd
{
    /// <summary>An orderly end (FIN): reads return 0.</summary>
    Fin,

    /// <summary>A reset (RST) or another socket error.</summary>
    Reset,

    /// <summary>The client dropped the connection itself (the server had not).</summary>
    DroppedByClient,
}

/// <summary>
/// A TCP connection to the server after an HTTP/1.1 upgrade. Writes are whole byte arrays, optionally cut into chops
/// that go out as separate writes (Autobahn's chopsize); reads fill a <see cref="ServerFrameParser"/>.
/// </summary>
public sealed class RawSocket : IAsyncDisposable
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private RawSocket(Socket socket) => _socket = socket;

    /// <summary>The status line and headers of the server's answer to the upgrade.</summary>
    public string ResponseHead { get; private set; } = "";

    /// <summary>The server's Sec-WebSocket-Extensions header, or null without one.</summary>
    public string? ResponseExtensions { get; private set; }

    /// <summary>
    /// Connects and upgrades to a WebSocket at <paramref name="path"/>, offering <paramref name="extensions"/> when given.
    /// Throws <see cref="HandshakeException"/> when the answer is not a valid 101.
    /// </summary>
    public static async Task<RawSocket> ConnectAsync(int port, string path, string? extensions, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var raw = new RawSocket(socket);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = new StringBuilder()
                .Append("GET ").Append(path).Append(" HTTP/1.1\r\n")
                .Append("Host: 127.0.0.1:").Append(port).Append("\r\n")
                .Append("Upgrade: websocket\r\n")
                .Append("Connection: Upgrade\r\n")
                .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n")
                .Append("Sec-WebSocket-Version: 13\r\n");
            if (extensions is not null) request.Append("Sec-WebSocket-Extensions: ").Append(extensions).Append("\r\n");
            request.Append("\r\n");
            await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, cancellationToken);

            // Byte by byte up to the blank line, so that no frame byte is taken with the head.
            var head = new List<byte>(512);
            var one = new byte[1];
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, cancellationToken) == 0)
                {
                    throw new HandshakeException("The server ended the connection during the handshake: " + Encoding.ASCII.GetString(head.ToArray()));
                }
                head.Add(one[0]);
                if (head.Count > 16 * 1024) throw new HandshakeException("The handshake response has no end.");
            }
            raw.ResponseHead = Encoding.ASCII.GetString(head.ToArray());
            raw.CheckResponse(key);
            return raw;
        }
        catch
        {
            await raw.DisposeAsync();
            throw;
        }
    }

    private void CheckResponse(string key)
    {
        var lines = ResponseHead.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new HandshakeException("The upgrade was refused: " + (lines.Length > 0 ? lines[0] : "(empty answer)"));
        }
        var headers = lines.Skip(1)
            .Select(line => (Name: line[..Math.Max(0, line.IndexOf(':'))].Trim(), Value: line[(line.IndexOf(':') + 1)..].Trim()))
            .ToList();
        string? Header(string name)
        {
            var values = headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            return values.Count == 0 ? null : string.Join(", ", values);
        }
        var expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + WebSocketGuid)));
        if (Header("Sec-WebSocket-Accept") != expectedAccept) throw new HandshakeException($"Sec-WebSocket-Accept is '{Header("Sec-WebSocket-Accept")}', not '{expectedAccept}'.");
        if (!string.Equals(Header("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)) throw new HandshakeException($"Upgrade is '{Header("Upgrade")}'.");
        if (Header("Connection") is not { } connection || !connection.Split(',').Any(t => string.Equals(t.Trim(), "upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            throw new HandshakeException($"Connection is '{Header("Connection")}'.");
        }
        ResponseExtensions = Header("Sec-WebSocket-Extensions");
    }

    /// <summary>
    /// Writes <paramref name="bytes"/>: at once, or in chops of <paramref name="chop"/> bytes, each its own write (a short
    /// pause between small chops so that each leaves as its own TCP segment, as Autobahn's reactor does).
    /// </summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, int chop, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (chop <= 0 || chop >= bytes.Length)
            {
                await SendAllAsync(bytes, cancellationToken);
                return;
            }
            var pause = bytes.Length / chop <= 400;
            for (var at = 0; at < bytes.Length; at += chop)
            {
                await SendAllAsync(bytes.Slice(at, Math.Min(chop, bytes.Length - at)), cancellationToken);
                if (pause && at + chop < bytes.Length) await Task.Delay(1, cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // Large writes in slices of 1 MiB, so that a connection the server ended stops the write early.
        while (!bytes.IsEmpty)
        {
            var slice = bytes[..Math.Min(bytes.Length, 1 << 20)];
            var sent = await _socket.SendAsync(slice, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Reads what has arrived into <paramref name="buffer"/>; 0 at the end of the server's stream.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>Drops the connection (the case is over, or the server never ended it).</summary>
    public void Drop()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Close(0);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class HandshakeException(string message) : Exception(message);
