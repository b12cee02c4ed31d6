using System.Security.Cryptography;
using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>
/// Reads uploads while they arrive and answers with what it read: "binary {bytes} {sha256}" or
/// "text {chars} {first line}". "download {bytes}" streams that many bytes back; "download-and-chatter {bytes}"
/// also sends small messages while the stream is open; "download-fails" throws half-way through the stream.
/// </summary>
[WebSocketEndpoint("/stream/{key}", MaxMessageSize = 1024, MaxStreamedMessageSize = 300L * 1024 * 1024)]
public sealed class StreamingEndpoint(Probe probe)
{
    public string OnOpen(string key) => key;

    public async ValueTask OnBinary(string key, Stream data, WebSocketConnection connection, CancellationToken closed)
    {
        if (key == "peek")
        {
            // Reads ten bytes and returns: the rest of the message is skipped, the next one is handled.
            var ten = new byte[10];
            await data.ReadExactlyAsync(ten, closed);
            await connection.SendTextAsync("peeked " + Convert.ToHexString(ten), closed);
            return;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await data.ReadAsync(buffer, closed)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        await connection.SendTextAsync($"binary {total} {Convert.ToHexString(hash.GetHashAndReset())}", closed);
    }

    public async ValueTask OnText(string key, TextReader text, WebSocketConnection connection, CancellationToken closed)
    {
        var content = await text.ReadToEndAsync(closed);
        var parts = content.Split(' ');
        switch (parts[0])
        {
            case "download":
                await connection.SendBinaryStreamAsync((stream, ct) => WritePatternAsync(stream, long.Parse(parts[1]), ct), closed);
                return;
            case "download-and-chatter":
                await connection.SendBinaryStreamAsync(async (stream, ct) =>
                {
                    await WritePatternAsync(stream, long.Parse(parts[1]) / 2, ct);
                    // Both go out after the streamed message: it holds the connection's transmit channel.
                    probe.Record(key, connection.TrySendText("queued during the stream") ? "queued" : "queue refused");
                    _ = Task.Run(async () => await connection.SendTextAsync("sent during the stream"));
                    await WritePatternAsync(stream, long.Parse(parts[1]) - long.Parse(parts[1]) / 2, ct, offset: long.Parse(parts[1]) / 2);
                }, closed);
                return;
            case "download-fails":
                await connection.SendBinaryStreamAsync(async (stream, ct) =>
                {
                    await WritePatternAsync(stream, 100_000, ct);
                    throw new InvalidOperationException("the export failed half-way");
                }, closed);
                return;
            default:
                var firstLine = content.Split('\n')[0];
                await connection.SendTextAsync($"text {content.Length} {firstLine[..Math.Min(20, firstLine.Length)]}", closed);
                return;
        }
    }

    public void OnError(string key, Exception error) => probe.Errors.Add((key, error));

    public void OnClose(string key, WebSocketCloseInfo close) => probe.Closes.Add((key, close));

    /// <summary>Byte i of the message is (byte)(i * 31 + 7): a reader can check every byte without keeping the message.</summary>
    public static byte PatternAt(long i) => (byte)(i * 31 + 7);

    private static async ValueTask WritePatternAsync(Stream stream, long count, CancellationToken ct, long offset = 0)
    {
        var chunk = new byte[50_000];
        for (long written = 0; written < count;)
        {
            var n = (int)Math.Min(chunk.Length, count - written);
            for (var i = 0; i < n; i++) chunk[i] = PatternAt(offset + written + i);
            await stream.WriteAsync(chunk.AsMemory(0, n), ct);
            written += n;
        }
    }
}

/// <summary>A streamed message over its own limit (100,000 bytes) closes with 1009.</summary>
[WebSocketEndpoint("/stream-limited", MaxStreamedMessageSize = 100_000)]
public sealed class LimitedStreamingEndpoint
{
    public async ValueTask OnBinary(Stream data, WebSocketConnection connection, CancellationToken closed)
    {
        long total = 0;
        var buffer = new byte[4096];
        int read;
        while ((read = await data.ReadAsync(buffer, closed)) > 0) total += read;
        await connection.SendTextAsync("read " + total, closed);
    }
}

/// <summary>Whole text messages and streamed binary ones on one endpoint.</summary>
[WebSocketEndpoint("/mixed")]
public sealed class MixedEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync("whole " + text);

    public async ValueTask OnBinary(WebSocketConnection connection, Stream data)
    {
        var copy = new MemoryStream();
        await data.CopyToAsync(copy);
        await connection.SendTextAsync("streamed " + copy.Length);
    }
}
