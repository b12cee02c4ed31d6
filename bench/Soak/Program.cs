using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Benchmarks;
using Endpoints;
using Soak;

// Connection churn, each connection ending one of the ways a connection ends (review: C1, lifecycle): a normal close,
// a reset with no close frame, a streamed send cancelled while it waits its turn then a close, a cancelled awaited
// send, and a throwing handler (1011). Every connection joins two groups. Afterwards the registry, the groups and the
// active-connections gauge must be empty, and the managed heap back where it was.
//   dotnet run -c Release --project bench/Soak [-- --connections 20000 --concurrency 100 --write docs/benchmarks.md]
var connections = 20_000;
var concurrency = 100;
string? write = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--connections") connections = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--concurrency") concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--write") write = args[++i];
}

var active = 0L;
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == "Endpoints.WebSockets" && instrument.Name == "endpoints.websocket.connections.active") l.EnableMeasurementEvents(instrument);
};
listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref active, value));
listener.Start();

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
builder.Logging.ClearProviders();
builder.Services.AddWebSocketEndpoints(o => o.CloseTimeout = TimeSpan.FromSeconds(2));
var app = builder.Build();
app.MapWebSocketEndpoints();
await app.StartAsync();
var address = new Uri(app.Urls.First().Replace("http", "ws", StringComparison.Ordinal));
var clients = app.Services.GetRequiredService<IWebSocketClients<SoakEndpoint>>();

string[] endings = ["close", "reset", "stream-cancel", "send-cancel", "throw"];
await RunAsync(Math.Min(500, connections)); // warm-up
await SettleAsync();
var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
var clock = Stopwatch.StartNew();
var failures = await RunAsync(connections);
var churn = clock.Elapsed;
var settled = await SettleAsync();
var heapAfter = GC.GetTotalMemory(forceFullCollection: true);

var rows = new List<(string, string)>
{
    ("connections opened and ended", $"{connections:N0} ({connections / endings.Length:N0} each way), {concurrency} at a time"),
    ("churn rate", $"{connections / churn.TotalSeconds:N0} connections/s ({churn.TotalSeconds:N1} s)"),
    ("client-side failures (not the ending asked for)", failures.ToString(CultureInfo.InvariantCulture)),
    ("registry entries left", (await clients.Presence.CountConnectionsAsync()).ToString(CultureInfo.InvariantCulture)),
    ("group members left (2 groups per connection)", (await clients.Presence.CountGroupMembersAsync("room") + await clients.Presence.CountGroupMembersAsync("other")).ToString(CultureInfo.InvariantCulture)),
    ("active-connections gauge", Interlocked.Read(ref active).ToString(CultureInfo.InvariantCulture)),
    ("time for the last ones to end after the churn", $"{settled.TotalMilliseconds:N0} ms"),
    ("managed heap after (before)", $"{heapAfter / 1024.0 / 1024:N1} MiB ({heapBefore / 1024.0 / 1024:N1} MiB)"),
};
await app.StopAsync();

var table = new StringBuilder("| Soak | Result |\n|---|---:|\n");
foreach (var (what, result) in rows) table.Append(CultureInfo.InvariantCulture, $"| {what} | {result} |\n");
Console.Write(table);
if (write is not null) DocsSection.Write(write, "soak", table.ToString());

async Task<int> RunAsync(int count)
{
    var failed = 0;
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < count)
        {
            if (!await OneAsync(endings[n % endings.Length])) Interlocked.Increment(ref failed);
        }
    })));
    return failed;
}

async Task<bool> OneAsync(string ending)
{
    using var socket = new ClientWebSocket();
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    try
    {
        await socket.ConnectAsync(new Uri(address, "/soak"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(ending), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[256];
        var first = await socket.ReceiveAsync(buffer, timeout.Token);
        if (ending == "reset")
        {
            socket.Abort();
            return true;
        }
        if (ending == "throw") return first.MessageType == WebSocketMessageType.Close && socket.CloseStatus == WebSocketCloseStatus.InternalServerError;
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        return true;
    }
    catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
    {
        return false;
    }
}

async Task<TimeSpan> SettleAsync()
{
    var clock = Stopwatch.StartNew();
    while (Interlocked.Read(ref active) != 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(10);
    return clock.Elapsed;
}

namespace Soak
{
    /// <summary>Each connection joins two groups, then ends the way its first message says.</summary>
    [WebSocketEndpoint("/soak")]
    public sealed class SoakEndpoint
    {
        public async ValueTask OnOpen(WebSocketConnection connection)
        {
            await connection.JoinGroupAsync("room");
            await connection.JoinGroupAsync("other");
        }

        public async ValueTask OnText(WebSocketConnection connection, string text)
        {
            switch (text)
            {
                case "stream-cancel":
                    // The first stream holds the connection; the second gives up waiting for its turn.
                    var first = connection.SendBinaryStreamAsync(async (s, ct) =>
                    {
                        await s.WriteAsync(new byte[10], ct);
                        await Task.Delay(20, ct);
                    });
                    using (var giveUp = new CancellationTokenSource(5))
                    {
                        try
                        {
                            await connection.SendBinaryStreamAsync(async (s, ct) => await s.WriteAsync(new byte[5], ct), giveUp.Token);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }
                    await first;
                    return;
                case "send-cancel":
                    using (var cancelled = new CancellationTokenSource())
                    {
                        cancelled.Cancel();
                        try
                        {
                            await connection.SendTextAsync("never", cancelled.Token);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }
                    await connection.SendTextAsync("after a cancelled send");
                    return;
                case "throw":
                    throw new InvalidOperationException("the handler fails: 1011");
                default:
                    await connection.SendTextAsync(text);
                    return;
            }
        }
    }
}
