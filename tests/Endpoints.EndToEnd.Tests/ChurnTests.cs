using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// Connections that come and go in every way a network allows leave nothing behind. The normal suite runs a
/// reduced count; set ENDPOINTS_CHURN_CYCLES=10000 for the full run.
/// </summary>
public sealed class ChurnTests
{
    private const string Endpoint = "Endpoints.EndToEnd.Tests.TestEndpoints.ChurnEndpoint";

    [Fact]
    public async Task ManyConnectCloseCyclesOfEveryKindLeaveNoConnectionOrObjectBehind()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("ENDPOINTS_CHURN_CYCLES"), out var configured) ? configured : 600;
        var active = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Endpoints.WebSockets" && instrument.Name == "endpoints.websocket.connections.active") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "endpoint" && tag.Value as string == Endpoint) active.AddOrUpdate("active", value, (_, sum) => sum + value);
            }
        });
        listener.Start();

        await using var server = await TestServer.StartAsync(options: o => o.CloseTimeout = TimeSpan.FromSeconds(2));
        var uri = server.WebSocketUri("/churn");
        await Parallel.ForEachAsync(Enumerable.Range(0, cycles), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            switch (i % 4)
            {
                case 0: // a clean close handshake
                    using (var socket = await WebSocketClient.ConnectAsync(uri))
                    {
                        await socket.SendTextAsync("hi");
                        await socket.ReceiveTextAsync();
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }
                    break;
                case 1: // TCP FIN without a close frame
                    await using (var raw = await RawWebSocketClient.ConnectAsync(uri))
                    {
                        await raw.SendTextAsync("hi");
                        await raw.ReadFrameAsync();
                        raw.AbortWithoutClose();
                    }
                    break;
                case 2: // TCP reset, mid-conversation
                    await using (var raw = await RawWebSocketClient.ConnectAsync(uri))
                    {
                        await raw.SendTextAsync("hi");
                        raw.Reset();
                    }
                    break;
                default: // the client aborts its WebSocket
                    using (var socket = await WebSocketClient.ConnectAsync(uri))
                    {
                        await socket.SendTextAsync("hi");
                        socket.Abort();
                    }
                    break;
            }
        });

        int Closed() => server.Probe.Counters.Where(c => c.Key.StartsWith("closed ", StringComparison.Ordinal)).Sum(c => c.Value);
        await Eventually.WaitUntilAsync(() => Closed() >= cycles, $"all {cycles} OnClose calls", seconds: 60);

        Assert.Equal(cycles, server.Probe.Counters.GetValueOrDefault("opened"));
        Assert.Equal(cycles, Closed()); // every OnOpen had exactly one OnClose
        Assert.Equal(0, active.GetValueOrDefault("active"));
        Assert.True(server.Probe.Counters.GetValueOrDefault("closed ClientClosed") >= cycles / 4, "clean closes are reported as such");

        // Nothing keeps an ended connection's endpoint or connection object alive.
        for (var attempt = 0; attempt < 10 && server.Probe.Tracked.Any(w => w.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }
        var alive = server.Probe.Tracked.Count(w => w.IsAlive);
        Assert.True(alive == 0, $"{alive} of {server.Probe.Tracked.Count} per-connection objects are still reachable after every connection ended");
    }
}
