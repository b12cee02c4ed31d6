using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Client.Tests;

public sealed class EndpointsClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _clock = new();
    private readonly ConcurrentQueue<ClientStateChange> _changes = new();

    [Fact]
    public async Task AfterAServerRestartItReconnectsAndSendsWhatWasQueuedInOrder()
    {
        await using var server = await RestartableServer.StartAsync();
        await using var client = Client(server.Uri("/echo"));
        await client.StartAsync().WaitAsync(Wait);
        var received = client.ReadAllAsync().GetAsyncEnumerator();
        await client.SendTextAsync("before");
        Assert.Equal("before", await NextText(received));

        await server.StopAsync();
        await Until(() => client.State == ClientState.Reconnecting, "the loss to be noticed");
        Assert.True(await client.SendTextAsync("queued 1"));
        Assert.True(await client.SendTextAsync("queued 2"));
        Assert.Equal(2, client.Queued);

        await server.RestartAsync();
        await Until(() => client.State == ClientState.Open, "the reconnect", advance: true);
        Assert.Equal("queued 1", await NextText(received));
        Assert.Equal("queued 2", await NextText(received));
        await client.SendTextAsync("after");
        Assert.Equal("after", await NextText(received));
        Assert.Contains(_changes, c => c is { State: ClientState.Reconnecting, Attempt: 1 });
    }

    [Fact]
    public async Task TypedMessagesGoOutWithTheirTypeAndComeBackAsObjects()
    {
        await using var server = await RestartableServer.StartAsync();
        await using var client = Client(server.Uri("/echo"));
        await client.StartAsync().WaitAsync(Wait);
        await client.SendAsync(new Move(3, 4), ClientJson.Default.Move, typeName: "move");
        await client.SendAsync(new Move(5, 6), ClientJson.Default.Move);

        // The echo shows what went out: the type first, then the object's JSON.
        Assert.Equal("""{"type":"move","x":3,"y":4}""", await NextText(client.ReadAllAsync().GetAsyncEnumerator()));
        var moves = client.ReadAllAsync(ClientJson.Default.Move).GetAsyncEnumerator();
        Assert.True(await moves.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(new Move(5, 6), moves.Current);
    }

    [Fact]
    public async Task APolicyCloseIsFinalNoReconnect()
    {
        await using var server = await RestartableServer.StartAsync();
        await using var client = Client(server.Uri("/echo"));
        await client.StartAsync().WaitAsync(Wait);
        await client.SendTextAsync("break");
        await Until(() => client.State == ClientState.Closed, "the policy close");
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(ClientState.Closed, client.State);
        Assert.DoesNotContain(_changes, c => c.State == ClientState.Reconnecting);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, _changes.Last().CloseStatus);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.SendTextAsync("too late"));
    }

    [Fact]
    public async Task ARefusedUpgradeIsFinalNotARetryLoop()
    {
        await using var server = await RestartableServer.StartAsync();
        await using var client = Client(server.Uri("/refused"));
        await client.StartAsync().WaitAsync(Wait);
        Assert.Equal(ClientState.Closed, client.State);
        Assert.Equal("the server refused the connection (HTTP 401)", _changes.Last().Reason);
        Assert.DoesNotContain(_changes, c => c.State == ClientState.Reconnecting);
    }

    [Theory]
    [InlineData(QueueOverflow.DropOldest, new[] { "3", "4", "5" }, new[] { true, true, true, true, true })]
    [InlineData(QueueOverflow.DropNewest, new[] { "1", "2", "3" }, new[] { true, true, true, false, false })]
    public async Task AFullQueueFollowsItsOverflowPolicy(QueueOverflow overflow, string[] delivered, bool[] accepted)
    {
        await using var server = await RestartableServer.StartAsync();
        await server.StopAsync(); // nobody there yet
        await using var client = Client(server.Uri("/echo"), o => { o.QueueCapacity = 3; o.QueueOverflow = overflow; });
        _ = client.StartAsync();
        var results = new List<bool>();
        for (var i = 1; i <= 5; i++) results.Add(await client.SendTextAsync(i.ToString()));
        Assert.Equal(accepted, results);

        await server.RestartAsync();
        await Until(() => client.State == ClientState.Open, "the connection", advance: true);
        var received = client.ReadAllAsync().GetAsyncEnumerator();
        foreach (var text in delivered) Assert.Equal(text, await NextText(received));
    }

    [Fact]
    public async Task WithTheThrowPolicyAFullQueueThrows()
    {
        await using var server = await RestartableServer.StartAsync();
        await server.StopAsync();
        await using var client = Client(server.Uri("/echo"), o => { o.QueueCapacity = 1; o.QueueOverflow = QueueOverflow.Throw; });
        _ = client.StartAsync();
        await client.SendTextAsync("fits");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.SendTextAsync("does not"));
        Assert.Contains("queue is full (1 messages)", error.Message);
    }

    [Fact]
    public void FullJitterStaysInsideTheGrowingCeilingAndTheCap()
    {
        var policy = new ReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(30), Multiplier = 2 };
        var random = new Random(7);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var ceiling = Math.Min(30_000, 500 * Math.Pow(2, attempt));
            var delays = Enumerable.Range(0, 2000).Select(_ => policy.Delay(attempt, random.NextDouble()).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
            // Spread over the whole window, not bunched: both ends of it are used.
            Assert.True(delays.Min() < ceiling * 0.05 && delays.Max() > ceiling * 0.95, $"attempt {attempt}: {delays.Min()}–{delays.Max()} of {ceiling}");
        }
        Assert.Equal(TimeSpan.Zero, policy.Delay(3, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(29_999), policy.Delay(50, 0.99997));
    }

    [Fact]
    public async Task EachFailedAttemptWaitsLongerUpToTheCap()
    {
        await using var server = await RestartableServer.StartAsync();
        await server.StopAsync();
        await using var client = Client(server.Uri("/echo"), o => o.Random = () => 0.5);
        _ = client.StartAsync();
        // Three failed attempts: each wait is half its growing ceiling (0.25 s, 0.5 s, 1 s).
        await Until(() => _changes.Count(c => c.State == ClientState.Reconnecting) >= 3, "three attempts", advance: true);
        Assert.Equal([250, 500, 1000], _changes.Where(c => c.State == ClientState.Reconnecting).Take(3).Select(c => c.Delay.TotalMilliseconds));
    }

    private EndpointsClient Client(Uri uri, Action<EndpointsClientOptions>? configure = null)
    {
        var options = new EndpointsClientOptions { TimeProvider = _clock };
        configure?.Invoke(options);
        var client = new EndpointsClient(uri, options);
        client.StateChanged += _changes.Enqueue;
        return client;
    }

    private static async Task<string> NextText(IAsyncEnumerator<ClientMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the client closed");
        return messages.Current.Text;
    }

    /// <summary>Waits for a condition; with <paramref name="advance"/>, moves the fake clock along meanwhile so backoff waits pass.</summary>
    private Task Until(Func<bool> condition, string what, bool advance = false)
        => Eventually.WaitUntilAsync(condition, what, (int)Wait.TotalSeconds, advance ? () => _clock.Advance(TimeSpan.FromMilliseconds(100)) : null,
            () => "states: " + string.Join(", ", _changes.Select(c => c.State)));
}

public sealed record Move(int X, int Y);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Move))]
internal sealed partial class ClientJson : System.Text.Json.Serialization.JsonSerializerContext;
