using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

[CollectionDefinition(nameof(ObservabilityTests), DisableParallelization = true)]
public sealed class ObservabilityCollection;

/// <summary>Metrics and traces, read the way a monitoring agent would. Alone, so other tests' traffic does not mix in.</summary>
[Collection(nameof(ObservabilityTests))]
public sealed class ObservabilityTests
{
    private const string Counter = "Endpoints.EndToEnd.Tests.TestEndpoints.CounterEndpoint";

    [Fact]
    public async Task TheMeterCountsConnectionsMessagesBytesAndClosesByReason()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Endpoints.WebSockets") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.Start();

        await using (var server = await TestServer.StartAsync())
        {
            using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/counter/metered"));
            await socket.SendTextAsync("hello");
            Assert.Equal("metered:1:hello", await socket.ReceiveTextAsync());
            await socket.SendTextAsync("again");
            Assert.Equal("metered:2:again", await socket.ReceiveTextAsync());
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            await Eventually.WaitUntilAsync(() => server.Probe.ClosesOf("metered").Count > 0, "OnClose");
            await Eventually.WaitUntilAsync(() => Sum("endpoints.websocket.connections.closed") > 0, "the close to be counted");
        }

        double Sum(string instrument, string endpoint = Counter)
            => measurements.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("endpoint"), endpoint)).Sum(m => m.Value);

        Assert.Equal(1, Sum("endpoints.websocket.connections.opened"));
        Assert.Equal(0, Sum("endpoints.websocket.connections.active"));
        Assert.Equal(2, Sum("endpoints.websocket.messages.received"));
        Assert.Equal(10, Sum("endpoints.websocket.bytes.received"));
        Assert.Equal(2, Sum("endpoints.websocket.messages.sent"));
        Assert.Equal("metered:1:hello".Length + "metered:2:again".Length, Sum("endpoints.websocket.bytes.sent"));
        Assert.Equal(0, Sum("endpoints.websocket.outbox.depth"));
        Assert.Equal(2, measurements.Count(m => m.Instrument == "endpoints.websocket.handler.duration"));
        var closed = Assert.Single(measurements, m => m.Instrument == "endpoints.websocket.connections.closed");
        Assert.Equal("clientclosed", closed.Tags["reason"]);
    }

    [Fact]
    public async Task EveryWayAConnectionEndsLeavesNoRegistryEntryGroupMembershipOrActiveConnection()
    {
        const string endpoint = "Endpoints.EndToEnd.Tests.TestEndpoints.SendPathEndpoint";
        var active = 0L;
        var opened = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Endpoints.WebSockets") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!ToDictionary(tags).TryGetValue("endpoint", out var name) || !Equals(name, endpoint)) return;
            if (instrument.Name == "endpoints.websocket.connections.active") Interlocked.Add(ref active, value);
            if (instrument.Name == "endpoints.websocket.connections.opened") Interlocked.Add(ref opened, value);
        });
        listener.Start();

        var server = await TestServer.StartAsync();
        var clients = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<IWebSocketClients<Endpoints.EndToEnd.Tests.TestEndpoints.SendPathEndpoint>>(server.Services);
        RawWebSocketClient? open = null;
        try
        {
            // OnOpen throws: 1011 before any message.
            await using (var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/sendpath/throws-on-open")))
            {
                Assert.Equal(1011, (int?)(await raw.ReadUntilCloseAsync()).Close?.CloseStatus);
            }
            // A streamed send gives up its turn, then the client closes.
            await using (var raw = await JoinedAsync(server, "turn"))
            {
                await raw.SendTextAsync("stream-cancel");
                await Eventually.WaitUntilAsync(() => server.Probe.EventsOf("turn").Any(e => e.StartsWith("after", StringComparison.Ordinal)), "the streams");
                await raw.SendCloseAsync(1000);
                await raw.ReadUntilCloseAsync();
            }
            // The client resets the TCP connection.
            var reset = await JoinedAsync(server, "reset");
            reset.Reset();
            await reset.DisposeAsync();
            // A protocol error.
            await using (var raw = await JoinedAsync(server, "bad"))
            {
                await raw.SendFrameAsync(RawWebSocketClient.Text, "x"u8.ToArray(), reservedBits: 0x20);
                Assert.Equal(1002, (int?)(await raw.ReadUntilCloseAsync()).Close?.CloseStatus);
            }
            // Still open when the host stops.
            open = await JoinedAsync(server, "open");

            await Eventually.WaitUntilAsync(async () => await clients.Presence.CountConnectionsAsync() == 1, "only the open connection to be left");
            Assert.Single(await clients.Presence.GetGroupMembersAsync("room"));
            Assert.Equal(1, Interlocked.Read(ref active));
        }
        finally
        {
            await server.DisposeAsync();
            if (open is not null) await open.DisposeAsync();
        }
        Assert.Equal(5, Interlocked.Read(ref opened));
        Assert.Equal(0, Interlocked.Read(ref active));
        Assert.Equal(0, await clients.Presence.CountConnectionsAsync());
        Assert.Empty(await clients.Presence.GetGroupMembersAsync("room"));

        static async Task<RawWebSocketClient> JoinedAsync(TestServer server, string key)
        {
            var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/sendpath/" + key));
            await raw.SendTextAsync("join room");
            await Eventually.WaitUntilAsync(() => server.Probe.EventsOf(key).Contains("joined"), key + " to join");
            return raw;
        }
    }

    [Fact]
    public async Task AMessageThatStartsAndStallsDoesNotHoldABufferSizedAfterTheLastMessage()
    {
        // Review S4: after one large message, a client that starts a small one and stalls used to make the server rent
        // a buffer the size of the large one, and hold it for as long as it stalled.
        await using var server = await TestServer.StartAsync(options: o => o.MaxMessageSize = 4 * 1024 * 1024);
        await using var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/echo"));
        var large = new byte[2 * 1024 * 1024];
        await raw.SendFrameAsync(RawWebSocketClient.Binary, large.AsMemory(0, 1024 * 1024), fin: false);
        await raw.SendFrameAsync(RawWebSocketClient.Continuation, large.AsMemory(1024 * 1024), fin: true);
        Assert.Equal(large.Length, (await raw.ReadFrameAsync())!.Payload.Length);

        using var rentals = new LargeRentals();
        await raw.SendFrameAsync(RawWebSocketClient.Binary, new byte[100], fin: false);
        Assert.Empty(await raw.PingAsync()); // the pong comes after the server has started reading the message
        Assert.Empty(rentals.Sizes);
    }

    /// <summary>Buffers of 1 MiB or more rented from the shared array pool while it listens.</summary>
    private sealed class LargeRentals : System.Diagnostics.Tracing.EventListener
    {
        public ConcurrentQueue<int> Sizes { get; } = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "System.Buffers.ArrayPoolEventSource") EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose);
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            // BufferRented: bufferId, bufferSize, poolId, bucketId.
            if (e.EventName == "BufferRented" && e.Payload is [_, int size, ..] && size >= 1024 * 1024) Sizes?.Enqueue(size);
        }
    }

    [Fact]
    public async Task EachConnectionIsASpanWithItsEndpointAndCloseReason()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Endpoints.WebSockets",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var server = await TestServer.StartAsync();
        await using (var raw = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/faulty/traced")))
        {
            await raw.SendTextAsync("boom");
            var (_, close) = await raw.ReadUntilCloseAsync();
            Assert.Equal(1011, close!.CloseStatus);
            await raw.SendCloseAsync(1011);
        }
        await Eventually.WaitUntilAsync(() => stopped.Any(a => a.GetTagItem("endpoint") as string == "Endpoints.EndToEnd.Tests.TestEndpoints.FaultyEndpoint"), "the connection's span");

        var span = stopped.Single(a => a.GetTagItem("endpoint") as string == "Endpoints.EndToEnd.Tests.TestEndpoints.FaultyEndpoint");
        Assert.Equal("WebSocket Endpoints.EndToEnd.Tests.TestEndpoints.FaultyEndpoint", span.DisplayName);
        Assert.Equal("error", span.GetTagItem("websocket.close.reason"));
        Assert.Equal(1011, span.GetTagItem("websocket.close.status"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags) result[tag.Key] = tag.Value;
        return result;
    }
}
