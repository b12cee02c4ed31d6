using Endpoints.Scaleout;
using StackExchange.Redis;

namespace Endpoints.Redis.Tests;

/// <summary>Interest on its own: subscriptions follow the count of local connections, coalesced, and report applied rounds.</summary>
public sealed class RedisInterestTests : IAsyncLifetime
{
    private const int SlowApply = 9, InterestGivenUp = 10;
    private readonly string _prefix = "i" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task OnlyACountCrossingZeroSubscribesOrUnsubscribesAndWhenAppliedWaitsForIt()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a");
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var interest = new RedisInterest(part.Connection, part.Names, message => received.Writer.TryWrite((string)message.Message!), part.Options, part.Log, part.Time, part.Stopping);
        part.Run(interest.LoopAsync, "interest");
        await using var admin = await Admin.ConnectAsync(_redis);
        var room = part.Names.ChannelOf("Chat", BackplaneTarget.Group, "room");

        for (var i = 0; i < 3; i++) interest.Change(room, +1);
        Assert.Equal(1, interest.Requested);
        await interest.WhenAppliedAsync(CancellationToken.None);
        Assert.Equal(1, interest.Applied);
        Assert.Equal(1, await admin.SubscribersAsync(room));
        await admin.GetSubscriber().PublishAsync(room, "to the room");
        Assert.Equal("to the room", await received.Reader.ReadAsync().AsTask().WaitAsync(Client.Timeout));

        interest.Change(room, -1);
        interest.Change(room, -1);
        Assert.Equal(1, interest.Requested); // still wanted by one
        interest.Change(room, -1);
        Assert.Equal(2, interest.Requested);
        await interest.WhenAppliedAsync(CancellationToken.None);
        Assert.Equal(2, interest.Applied);
        Assert.Equal(0, await admin.SubscribersAsync(room));
        Assert.Equal(0, part.Log.Count(SlowApply));
    }

    [Fact]
    public async Task ALocalChangeNamesTheEndpointsTheUsersAndTheGroupsChannels()
    {
        await using var part = await Part.ConnectedAsync(_redis, _prefix, "a");
        var interest = new RedisInterest(part.Connection, part.Names, static _ => { }, part.Options, part.Log, part.Time, part.Stopping);
        part.Run(interest.LoopAsync, "interest");
        await using var admin = await Admin.ConnectAsync(_redis);
        var at = DateTimeOffset.UnixEpoch;
        RedisChannel all = part.Names.ChannelOf("Chat", BackplaneTarget.All, ""), ann = part.Names.ChannelOf("Chat", BackplaneTarget.User, "ann"),
            room = part.Names.ChannelOf("Chat", BackplaneTarget.Group, "room");

        interest.OnLocalChange("Chat", new(WebSocketPresenceChangeKind.Connected, "a/1", "ann", null, at));
        interest.OnLocalChange("Chat", new(WebSocketPresenceChangeKind.JoinedGroup, "a/1", "ann", "room", at));
        await interest.WhenAppliedAsync(CancellationToken.None);
        Assert.Equal(new long[] { 1, 1, 1 }, await admin.SubscribersAsync(all, ann, room));

        interest.OnLocalChange("Chat", new(WebSocketPresenceChangeKind.LeftGroup, "a/1", "ann", "room", at));
        interest.OnLocalChange("Chat", new(WebSocketPresenceChangeKind.Disconnected, "a/1", "ann", null, at));
        await interest.WhenAppliedAsync(CancellationToken.None);
        Assert.Equal(interest.Requested, interest.Applied);
        Assert.Equal(new long[] { 0, 0, 0 }, await admin.SubscribersAsync(all, ann, room));
    }

    [Fact]
    public async Task ChangesWhileRedisIsAwayAreCoalescedAndAppliedInOneGoWhenItComes()
    {
        _redis.Stop();
        await using var part = Part.NotConnected(_redis, _prefix, "a");
        var interest = new RedisInterest(part.Connection, part.Names, static _ => { }, part.Options, part.Log, part.Time, part.Stopping);
        part.Run(interest.LoopAsync, "interest");
        var connecting = part.Connection.ConnectAsync(static () => Task.CompletedTask, static () => { });
        RedisChannel brief = part.Names.ChannelOf("Chat", BackplaneTarget.Group, "brief"), room = part.Names.ChannelOf("Chat", BackplaneTarget.Group, "room"),
            ann = part.Names.ChannelOf("Chat", BackplaneTarget.User, "ann");

        interest.Change(brief, +1);
        interest.Change(brief, -1); // came and went while Redis was away: never subscribed
        interest.Change(room, +1);
        interest.Change(room, +1);
        interest.Change(ann, +1);
        Assert.Equal(4, interest.Requested);
        Assert.True(interest.WhenAppliedAsync(CancellationToken.None).IsCompleted, "a new connection waited for Redis while it was away");
        Assert.Equal(0, interest.Applied);

        await _redis.RestartAsync();
        await connecting.WaitAsync(TimeSpan.FromSeconds(30));
        await part.Connection.WaitForConnectionAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await interest.WhenAppliedAsync(CancellationToken.None);

        Assert.Equal(4, interest.Applied);
        await using var admin = await Admin.ConnectAsync(_redis);
        Assert.Equal(new long[] { 0, 1, 1 }, await admin.SubscribersAsync(brief, room, ann));
        Assert.True(await admin.CallsAsync("subscribe") >= 2, "INFO commandstats counts the subscriptions");
        Assert.Equal(0, await admin.CallsAsync("unsubscribe")); // "brief" was never subscribed, so never unsubscribed
        Assert.Equal(0, part.Log.Count(InterestGivenUp));
    }
}
