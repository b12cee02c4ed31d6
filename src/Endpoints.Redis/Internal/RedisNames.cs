using System.Globalization;
using System.Text;
using Endpoints.Scaleout;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// Every name the backplane gives in Redis: channels, keys, presence fields and values. All start with the prefix, so
/// that several apps can share one Redis; a client-chosen part never picks a hash slot.
/// </summary>
internal sealed class RedisNames(string prefix, bool sharded)
{
    // Counts start with '#': never a connection ("c") or membership ("g") field.
    public const string ConnectionsCountField = "#c";

    public RedisNames(RedisBackplaneOptions options)
        : this(options.ChannelPrefix, options.UseShardedPubSub)
    {
    }

    /// <summary>The live servers, each scored with the time its heartbeat expires.</summary>
    public RedisKey NodesKey => $"{prefix}:nodes";

    /// <summary>One server's presence for one endpoint: a hash of its connections, memberships and counts.</summary>
    public RedisKey PresenceKey(string endpoint, string node) => $"{prefix}:{endpoint}:n:{node}";

    public RedisChannel ChannelOf(string endpoint, BackplaneTarget target, string key) => Named(target switch
    {
        BackplaneTarget.Group => $"{prefix}:{endpoint}:g:{ChannelSafe(key)}",
        BackplaneTarget.User => $"{prefix}:{endpoint}:u:{ChannelSafe(key)}",
        _ => $"{prefix}:{endpoint}:all",
    });

    /// <summary>
    /// The keys of a resumable stream (its entries, epoch and last offset) and the channel its messages go out on. The
    /// keys' hash tag is the channel's name, so that one script can write them and publish (sharded pub/sub included).
    /// </summary>
    public (RedisKey Entries, RedisKey Epoch, RedisKey Offset, string ChannelName) StreamOf(string endpoint, string stream)
    {
        var name = stream switch
        {
            "a" => $"{prefix}:{endpoint}:all",
            _ when stream.StartsWith("g:", StringComparison.Ordinal) => $"{prefix}:{endpoint}:g:{ChannelSafe(stream[2..])}",
            _ when stream.StartsWith("u:", StringComparison.Ordinal) => $"{prefix}:{endpoint}:u:{ChannelSafe(stream[2..])}",
            _ => $"{prefix}:{endpoint}:s:{ChannelSafe(stream[2..])}",
        };
        var tag = "{" + name + "}";
        return (tag + ":s", tag + ":e", tag + ":o", name);
    }

    /// <summary>A session of a resumable endpoint: the highest client message number handled in it.</summary>
    public RedisKey SessionKey(string endpoint, string sessionId) => $"{prefix}:{endpoint}:session:{sessionId}";

    /// <summary>The key every server signs session tokens with.</summary>
    public RedisKey SessionSigningKey => $"{prefix}:session-signing-key";

    /// <summary>Whether channels are sharded (SPUBLISH) or not (PUBLISH).</summary>
    public bool Sharded => sharded;

    /// <summary>A server's own channel: messages for one of its connections, group changes and their answers.</summary>
    public RedisChannel NodeChannel(string node) => Named($"{prefix}:node:{node}");

    private RedisChannel Named(string name) => sharded ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);

    /// <summary>
    /// A client-chosen name must not pick the Redis Cluster hash slot of its channel (a "{tag}" does that with sharded
    /// pub/sub): braces are escaped, and so is the escape character, so that distinct names stay distinct.
    /// </summary>
    public static string ChannelSafe(string key)
        => key.AsSpan().IndexOfAny('{', '}', '%') < 0 ? key : key.Replace("%", "%25", StringComparison.Ordinal).Replace("{", "%7B", StringComparison.Ordinal).Replace("}", "%7D", StringComparison.Ordinal);

    /// <summary>The server that holds a connection: its id is "node/…"; null when it names none.</summary>
    public static string? NodeOf(string connectionId)
    {
        var slash = connectionId.IndexOf('/');
        return slash > 0 ? connectionId[..slash] : null;
    }

    public static string ConnectionField(string connectionId) => "c\t" + connectionId;

    public static string GroupCountField(string group) => "#g\t" + group;

    public static string GroupField(string connectionId, string group) => "g\t" + connectionId + "\t" + group;

    /// <summary>The HSCAN pattern of a group's membership fields: the group's name matched literally.</summary>
    public static string GroupFieldPattern(string group) => "g\t*\t" + GlobEscape(group);

    /// <summary>The HSCAN pattern of the connection fields.</summary>
    public const string ConnectionFieldPattern = "c\t*";

    /// <summary>The connection id of a membership field of <paramref name="group"/>; null for another group's.</summary>
    public static string? ConnectionOfGroupField(string field, string group)
    {
        // g <tab> connection id <tab> group: a connection id never holds a tab, a group name may.
        var tab = field.IndexOf('\t', 2);
        return tab < 0 || field.AsSpan(tab + 1).SequenceEqual(group) is false ? null : field[2..tab];
    }

    /// <summary>The connection id of a connection field.</summary>
    public static string ConnectionOfField(string field) => field[2..];

    public static string PresenceValue(string? userId, DateTimeOffset since)
        => (userId is null ? "" : "+" + userId) + "\t" + since.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static (string? UserId, DateTimeOffset Since) ParsePresenceValue(string value)
    {
        var tab = value.LastIndexOf('\t');
        var user = tab > 0 && value[0] == '+' ? value[1..tab] : null;
        var since = long.TryParse(value.AsSpan(tab + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : default;
        return (user, since);
    }

    /// <summary>Escapes what a Redis glob pattern would read as a wildcard, so that the text matches only itself.</summary>
    public static string GlobEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
