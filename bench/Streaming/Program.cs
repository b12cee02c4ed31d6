using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Benchmarks;
using Endpoints;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Uploads and downloads one 256 MiB message through OnBinary(Stream) and SendBinaryStreamAsync, in-process,
// sampling the process's working set and managed heap every 10 ms. The client reads and writes through one
// 64 KiB buffer, so what grows is the server's.
const long Size = 256L * 1024 * 1024;
var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
builder.Services.AddWebSocketEndpoints();
var app = builder.Build();
app.MapWebSocketEndpoints();
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var uri = new Uri(address.Replace("http", "ws", StringComparison.Ordinal) + "/transfer");

using var socket = new ClientWebSocket();
await socket.ConnectAsync(uri, CancellationToken.None);
var buffer = new byte[64 * 1024];
Random.Shared.NextBytes(buffer);

// Warm-up: the same paths with 16 MiB, so JIT and pools are in place before the baseline.
await UploadAsync(16L * 1024 * 1024);
await DownloadAsync(16L * 1024 * 1024);

var upload = await MeasureAsync(() => UploadAsync(Size));
var download = await MeasureAsync(() => DownloadAsync(Size));
await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
await app.StopAsync();

var table = $"""
    Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd}. One 256 MiB message each way, 64 KiB client writes and reads.

    | Transfer | MiB/s | peak working-set growth | peak managed-heap growth | allocated |
    |---|---:|---:|---:|---:|
    {Row("upload (OnBinary(Stream))", upload)}
    {Row("download (SendBinaryStreamAsync)", download)}

    """;
Console.Write(table);
if (write is not null) DocsSection.Write(write, "streaming", table);
return;

static string Row(string name, Measurement m)
    => $"| {name} | {Size / 1048576.0 / m.Elapsed.TotalSeconds:N0} | {m.WorkingSetGrowth / 1048576.0:N1} MiB | {m.HeapGrowth / 1048576.0:N1} MiB | {m.Allocated / 1048576.0:N1} MiB |";

async Task UploadAsync(long size)
{
    for (long sent = 0; sent < size; sent += buffer.Length)
    {
        await socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: sent + buffer.Length >= size, CancellationToken.None);
    }
    var answer = await ReceiveAllAsync();
    if (answer != size) throw new InvalidOperationException($"The server read {answer} bytes of {size}.");
}

async Task DownloadAsync(long size)
{
    await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes("download " + size), WebSocketMessageType.Text, true, CancellationToken.None);
    var received = await ReceiveAllAsync();
    if (received != size) throw new InvalidOperationException($"Received {received} bytes of {size}.");
}

// Returns the byte count of a binary message, or the number a text message holds.
async Task<long> ReceiveAllAsync()
{
    long total = 0;
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Text) return long.Parse(System.Text.Encoding.ASCII.GetString(buffer, 0, result.Count));
        total += result.Count;
        if (result.EndOfMessage) return total;
    }
}

static async Task<Measurement> MeasureAsync(Func<Task> transfer)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    using var process = Process.GetCurrentProcess();
    process.Refresh();
    long baseSet = process.WorkingSet64, baseHeap = GC.GetTotalMemory(false), peakSet = baseSet, peakHeap = baseHeap;
    var allocatedBefore = GC.GetTotalAllocatedBytes(true);
    using var done = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!done.IsCancellationRequested)
        {
            process.Refresh();
            peakSet = Math.Max(peakSet, process.WorkingSet64);
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            try { await Task.Delay(10, done.Token); } catch (OperationCanceledException) { }
        }
    });
    var watch = Stopwatch.StartNew();
    await transfer();
    watch.Stop();
    done.Cancel();
    await sampler;
    return new Measurement(watch.Elapsed, peakSet - baseSet, peakHeap - baseHeap, GC.GetTotalAllocatedBytes(true) - allocatedBefore);
}

internal readonly record struct Measurement(TimeSpan Elapsed, long WorkingSetGrowth, long HeapGrowth, long Allocated);

/// <summary>Counts an upload while it arrives; "download N" streams N bytes back.</summary>
[WebSocketEndpoint("/transfer", MaxStreamedMessageSize = 1L << 31)]
public sealed class TransferEndpoint
{
    private static readonly byte[] s_chunk = new byte[64 * 1024];

    public async ValueTask OnBinary(Stream data, WebSocketConnection connection, CancellationToken closed)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        long total = 0;
        int read;
        while ((read = await data.ReadAsync(buffer, closed)) > 0) total += read;
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        await connection.SendTextAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture), closed);
    }

    public ValueTask OnText(string command, WebSocketConnection connection, CancellationToken closed)
    {
        var size = long.Parse(command["download ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        return connection.SendBinaryStreamAsync(async (stream, ct) =>
        {
            for (long sent = 0; sent < size; sent += s_chunk.Length)
            {
                await stream.WriteAsync(s_chunk.AsMemory(0, (int)Math.Min(s_chunk.Length, size - sent)), ct);
            }
        }, closed);
    }
}
