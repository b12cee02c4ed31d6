using Endpoints.Scaleout;

namespace Endpoints.Redis.Tests;

/// <summary>The names in Redis, on their own: what they are (other servers and versions must agree) and that they round-trip.</summary>
public sealed class RedisNamesTests
{
    [Fact]
    public void ChannelsAndKeysStartWithThePrefixAndNameTheirTarget()
    {
        var names = new RedisNames("app", sharded: false);

        Assert.Equal("app:Chat:all", names.ChannelOf("Chat", BackplaneTarget.All, "").ToString());
        Assert.Equal("app:Chat:g:room", names.ChannelOf("Chat", BackplaneTarget.Group, "room").ToString());
        Assert.Equal("app:Chat:u:ann", names.ChannelOf("Chat", BackplaneTarget.User, "ann").ToString());
        Assert.Equal("app:node:a", names.NodeChannel("a").ToString());
        Assert.Equal("app:nodes", names.NodesKey.ToString());
        Assert.Equal("app:Chat:n:a", names.PresenceKey("Chat", "a").ToString());
        Assert.False(names.NodeChannel("a").IsSharded);
        Assert.True(new RedisNames("app", sharded: true).ChannelOf("Chat", BackplaneTarget.Group, "room").IsSharded);
    }

    [Fact]
    public void AClientChosenNameCannotPickAHashSlotAndDistinctNamesStayDistinct()
    {
        var names = new RedisNames("app", sharded: true);

        Assert.Equal("app:Chat:g:%7Btag%7D", names.ChannelOf("Chat", BackplaneTarget.Group, "{tag}").ToString());
        Assert.Equal("app:Chat:u:%257Btag%257D", names.ChannelOf("Chat", BackplaneTarget.User, "%7Btag%7D").ToString());
        Assert.NotEqual(RedisNames.ChannelSafe("{tag}"), RedisNames.ChannelSafe("%7Btag%7D"));
        const string plain = "plain-name";
        Assert.Same(plain, RedisNames.ChannelSafe(plain));
    }

    [Theory]
    [InlineData("a/17", "a")]
    [InlineData("server-1/x/y", "server-1")]
    [InlineData("/17", null)]
    [InlineData("no-slash", null)]
    public void TheServerOfAConnectionIsWhatComesBeforeTheSlash(string connectionId, string? node)
        => Assert.Equal(node, RedisNames.NodeOf(connectionId));

    [Theory]
    [InlineData("ann")]
    [InlineData("with\ttab")]
    [InlineData("")]
    [InlineData(null)]
    public void APresenceValueRoundTripsItsUserAndTimeToTheMillisecond(string? user)
    {
        var since = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4567);

        var (readUser, readSince) = RedisNames.ParsePresenceValue(RedisNames.PresenceValue(user, since));

        Assert.Equal(user, readUser);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), readSince);
    }

    [Fact]
    public void FieldsTellConnectionsMembershipsAndCountsApartAndGiveTheirConnectionBack()
    {
        var connection = RedisNames.ConnectionField("a/1");
        var member = RedisNames.GroupField("a/1", "room\twith tab");

        Assert.Equal("a/1", RedisNames.ConnectionOfField(connection));
        Assert.Equal("a/1", RedisNames.ConnectionOfGroupField(member, "room\twith tab"));
        Assert.Null(RedisNames.ConnectionOfGroupField(member, "room"));
        Assert.StartsWith("#", RedisNames.ConnectionsCountField);
        Assert.StartsWith("#", RedisNames.GroupCountField("room"));
        Assert.NotEqual(RedisNames.GroupCountField("room"), RedisNames.GroupField("#", "room"));
    }

    [Theory]
    [InlineData("room", "room")]
    [InlineData("r*", @"r\*")]
    [InlineData("a?b[c]", @"a\?b\[c\]")]
    [InlineData(@"back\slash", @"back\\slash")]
    public void GlobEscapeLeavesNoWildcard(string text, string escaped)
    {
        Assert.Equal(escaped, RedisNames.GlobEscape(text));
        Assert.Equal("g\t*\t" + escaped, RedisNames.GroupFieldPattern(text));
    }
}
