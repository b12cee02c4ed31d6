using System.Globalization;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Endpoints;
using Endpoints.Runtime.Generated;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Endpoints.Runtime.Connections;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Transport;

// Server-side allocations per message: an in-memory WebSocket pair, a client that sends and waits for each
// echo, and on the server either Endpoints' session (receive → OnBinary/OnText → Send…Async) or the
// hand-written loop. Both runs include the client and the in-memory transport, so the difference between
// them is what Endpoints adds. Run: dotnet run -c Release --project bench/Allocations [-- --write docs/benchmarks.md]
const int Warmup = 20_000, Messages = 200_000;
var rows = new List<(string Case, double Ours, double HandWritten)>();
// The endpoints.v1 rows: the client sends (and gets back) each message with its one-byte empty header; the
// hand-written loop echoes the same bytes, so the difference is what the envelope adds on top of Endpoints.
foreach (var (name, type, size, decodeText, envelope) in new[]
{
    ("binary 32 B", WebSocketMessageType.Binary, 32, false, false),
    ("binary 16 KiB", WebSocketMessageType.Binary, 16 * 1024, false, false),
    ("text 32 B, OnText(string)", WebSocketMessageType.Text, 32, true, false),
    ("text 32 B, OnText(UTF-8 bytes) as the Echo sample", WebSocketMessageType.Text, 32, false, false),
    ("binary 32 B, endpoints.v1", WebSocketMessageType.Binary, 32, false, true),
    ("text 32 B, OnText(UTF-8 bytes), endpoints.v1", WebSocketMessageType.Text, 32, false, true),
})
{
    var ours = await MeasureAsync(type, size, useEndpoints: true, decodeText, envelope);
    var hand = await MeasureAsync(type, size, useEndpoints: false, decodeText, envelope);
    rows.Add((name, ours, hand));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-50} endpoints {ours,8:F1} B/msg   hand-written {hand,8:F1} B/msg   difference {ours - hand,8:F1} B/msg"));
}

var table = new StringBuilder()
    .AppendLine("| Message | Endpoints B/msg | Hand-written B/msg | What Endpoints adds B/msg |")
    .AppendLine("|---|---:|---:|---:|");
foreach (var (name, ours, hand) in rows) table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ours:F1} | {hand:F1} | {ours - hand:F1} |"));
Console.WriteLine();
Console.WriteLine(table);
var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();
if (write is not null) Benchmarks.DocsSection.Write(write, "allocations", table.ToString());

static async Task<double> MeasureAsync(WebSocketMessageType type, int size, bool useEndpoints, bool decodeText, bool envelope)
{
    var toServer = new Pipe(new PipeOptions(useSynchronizationContext: false));
    var toClient = new Pipe(new PipeOptions(useSynchronizationContext: false));
    var serverStream = new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream());
    var clientSocket = WebSocket.CreateFromStream(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

    var server = useEndpoints
        ? RunEndpointsAsync(serverStream, decodeText, envelope)
        : Benchmarks.HandWrittenLoop.EchoAsync(WebSocket.CreateFromStream(serverStream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }));
    var payload = type == WebSocketMessageType.Text ? Encoding.UTF8.GetBytes(new string('x', size)) : new byte[size];
    if (envelope) payload = [(byte)'\n', .. payload];
    var receive = new byte[size + 64];

    async Task RoundTrips(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await clientSocket.SendAsync(payload.AsMemory(), type, true, CancellationToken.None);
            var received = 0;
            while (true)
            {
                var result = await clientSocket.ReceiveAsync(receive.AsMemory(received), CancellationToken.None);
                received += result.Count;
                if (result.EndOfMessage) break;
            }
        }
    }

    await RoundTrips(Warmup);
    GC.Collect();
    var before = GC.GetTotalAllocatedBytes(precise: true);
    await RoundTrips(Messages);
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    await clientSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    await server;
    return allocated / (double)Messages;
}

static async Task RunEndpointsAsync(Stream stream, bool decodeText, bool envelope)
{
    var context = new DefaultHttpContext();
    var options = new WebSocketEndpointOptions { KeepAliveInterval = TimeSpan.Zero };
    var settings = new WebSocketEndpointSettings { Name = "Bench.Echo", Pattern = "/echo" };
    var metrics = new WebSocketEndpointMetrics(null);
    var services = new EndpointServices(Options.Create(options), NullLogger.Instance, metrics, null, TimeProvider.System,
        new ConnectionRegistries(TimeProvider.System, metrics), DefaultUserIdProvider.Instance);
    var handler = new EchoHandler(decodeText);
    var endpoint = new MappedEndpoint(services, settings, settings.Name, settings.MaxMessageSize, settings.MaxStreamedMessageSize,
        services.Registries.For(handler.GetType(), settings.Name));
    using var connection = new ServerWebSocketConnection(context, stream, envelope ? "endpoints.v1" : null, null, endpoint);
    handler.Start(context);
    handler.Attach(connection);
    await new ReceiveLoop(connection, handler).RunAsync(services.Registries.ConnectionIdPrefix, userId: null, lifetime: null);
}

/// <summary>
/// What the generator writes for an echo endpoint, by hand (generated handlers are file-local): text decoded for
/// <c>OnText(string)</c>, or handed over as UTF-8 bytes for <c>OnText(ReadOnlyMemory&lt;byte&gt;)</c> as in the Echo sample.
/// </summary>
internal sealed class EchoHandler(bool decodeText) : WebSocketEndpointHandler
{
    public override bool AcceptsText => true;
    public override bool AcceptsBinary => true;

    protected override void CreateEndpoint()
    {
    }

    protected internal override ValueTask OnTextAsync(ReadOnlyMemory<byte> utf8)
        => decodeText ? Connection.SendTextAsync(DecodeText(utf8)) : Connection.SendTextAsync(utf8);

    protected internal override ValueTask OnBinaryAsync(ReadOnlyMemory<byte> data) => Connection.SendBinaryAsync(data);
}

/// <summary>Reads from one pipe and writes to another: one end of an in-memory connection.</summary>
internal sealed class DuplexStream(Stream input, Stream output) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);
    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
    public override void Flush() => output.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            output.Dispose();
        }
        base.Dispose(disposing);
    }
}
