using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Redis.Tests;

/// <summary>Group changes for another server's connection on their own: asked on its channel, applied there, answered back.</summary>
public sealed class RedisGroupChangesTests : IAsyncLifetime
{
    private readonly string _prefix = "g" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task TheServerThatHoldsTheConnectionAppliesTheChangeAndItsAnswerReleasesTheAsker()
    {
        var hostB = new FakeHost("b/1");
        await using var a = await Part.ConnectedAsync(_redis, _prefix, "a");
        await using var b = await Part.ConnectedAsync(_redis, _prefix, "b");
        var changesA = await ListeningAsync(a, new FakeHost());
        await ListeningAsync(b, hostB);

        Assert.True(await changesA.AskAsync("b", "Chat", "b/1", "room", join: true, CancellationToken.None));
        Assert.False(await changesA.AskAsync("b", "Chat", "b/9", "room", join: false, CancellationToken.None)); // not there

        Assert.Equal([("Chat", "b/1", "room", true), ("Chat", "b/9", "room", false)], hostB.GroupChanges);
    }

    [Fact]
    public async Task AChangeNobodyAnswersTimesOutOnTheInjectedClockNamingTheServer()
    {
        var clock = new FakeTimeProvider();
        await using var a = await Part.ConnectedAsync(_redis, _prefix, "a", clock);
        var changesA = await ListeningAsync(a, new FakeHost());

        var asking = changesA.AskAsync("ghost", "Chat", "ghost/1", "room", join: true, CancellationToken.None).AsTask();
        Assert.False(asking.IsCompleted);
        clock.Advance(a.Options.GroupChangeTimeout);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => asking.WaitAsync(Client.Timeout));
        Assert.Equal("The server 'ghost' that holds connection 'ghost/1' did not answer the group change within 5 s.", timeout.Message);
    }

    /// <summary>A server's group changes, with its outbox running and its own channel subscribed as the backplane does.</summary>
    private static async Task<RedisGroupChanges> ListeningAsync(Part part, FakeHost host)
    {
        var outbox = new RedisOutbox(part.Connection, part.Options, part.Log, part.Time, part.Stopping);
        part.Run(outbox.LoopAsync, "send");
        var changes = new RedisGroupChanges(outbox, part.Names, part.Options, part.Time);
        await part.Connection.SubscribeWhenConnectedAsync(part.Names.NodeChannel(part.Options.NodeId), message =>
        {
            ReadOnlyMemory<byte> bytes = (byte[])message.Message!;
            if (bytes.Span[0] == RedisWire.GroupChange) changes.Answer(host, bytes);
            else if (bytes.Span[0] == RedisWire.GroupChangeAnswer) changes.Complete(bytes);
        });
        return changes;
    }
}
