using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>Sends to all, groups, users and single connections through IWebSocketClients, on real Kestrel.</summary>
public sealed class GroupTests
{
    [Fact]
    public async Task EachTargetReachesItsConnectionsAndNoOthers()
    {
        await using var server = await TestServer.StartAsync();
        using var ann1 = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=ann&groups=room"));
        using var ann2 = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=ann"));
        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=ben&groups=room,other"));
        using var guest = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups"));
        var guestId = await IdOf(guest, "none");
        Assert.StartsWith("id ", await Command(ann1, "id")); // every connection has finished OnOpen: all groups are joined
        Assert.StartsWith("id ", await Command(ann2, "id"));
        Assert.StartsWith("id ", await Command(ben, "id"));

        await ann2.SendTextAsync("group room to the room");
        Assert.Equal("sent 2/0", await ann2.ReceiveTextAsync());
        Assert.Equal("to the room", await ann1.ReceiveTextAsync());
        Assert.Equal("to the room", await ben.ReceiveTextAsync());

        await ann1.SendTextAsync("group-but-me room not to me");
        Assert.Equal("sent 1/0", await ann1.ReceiveTextAsync());
        Assert.Equal("not to me", await ben.ReceiveTextAsync());

        await ben.SendTextAsync("user ann every tab of ann");
        Assert.Equal("every tab of ann", await ann1.ReceiveTextAsync());
        Assert.Equal("every tab of ann", await ann2.ReceiveTextAsync());
        Assert.Equal("sent 2/0", await ben.ReceiveTextAsync());

        await ben.SendTextAsync($"to {guestId} just the guest");
        Assert.Equal("just the guest", await guest.ReceiveTextAsync());
        Assert.Equal("sent 1/0", await ben.ReceiveTextAsync());

        await guest.SendTextAsync("others everyone else");
        foreach (var socket in new[] { ann1, ann2, ben }) Assert.Equal("everyone else", await socket.ReceiveTextAsync());
        Assert.Equal("sent 3/0", await guest.ReceiveTextAsync());

        await guest.SendTextAsync("all everyone");
        foreach (var socket in new[] { ann1, ann2, ben, guest }) Assert.Equal("everyone", await socket.ReceiveTextAsync());
        Assert.Equal("sent 4/0", await guest.ReceiveTextAsync());

        // Every message above arrived where expected; nothing else is waiting anywhere.
        foreach (var socket in new[] { ann1, ann2, ben }) Assert.StartsWith("id ", await Command(socket, "id"));
    }

    [Fact]
    public async Task JoinLeaveAndPresenceFollowTheConnectionsAndAnEndedOneLeavesEveryGroup()
    {
        await using var server = await TestServer.StartAsync();
        using var ann = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=ann"));
        using var ben = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=ben&groups=room"));
        await using var cy = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=cy&groups=room,other"));
        using var dee = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?access_token=dee&groups=room"));

        Assert.Equal("joined room", await Command(ann, "join room"));
        await Eventually.WaitUntilAsync(async () => await Members(ann, "room") == "ann,ben,cy,dee", "every member listed");

        Assert.Equal("left room", await Command(ann, "leave room"));
        cy.Reset(); // a crash: no close frame
        await dee.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        await Eventually.WaitUntilAsync(async () => await Members(ann, "room") == "ben", "the ended and the departed are gone");
        Assert.Equal("who ", await Command(ann, "who other"));
        Assert.Equal("sent 1/0", await Command(ann, "group room still here?"));
        Assert.Equal("still here?", await ben.ReceiveTextAsync());
    }

    [Fact]
    public async Task AMemberThatNeverReadsDoesNotHoldUpTheOthers()
    {
        // Room for 64 messages: a reader starved of CPU for a moment on a loaded 2-core machine is not a stalled one,
        // and the stalled member (24 MB sent, never read) still fills its outbox many times over.
        await using var server = await TestServer.StartAsync(options: o => o.OutboxCapacity = 64);
        await using var stalled = await RawWebSocketClient.ConnectAsync(server.WebSocketUri("/groups?groups=room")); // never reads
        using var readerA = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?groups=room"));
        using var readerB = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups?groups=room"));
        using var sender = await WebSocketClient.ConnectAsync(server.WebSocketUri("/groups"));
        foreach (var socket in new[] { readerA, readerB }) Assert.StartsWith("id ", await Command(socket, "id"));
        await Eventually.WaitUntilAsync(async () => await Command(sender, "who room") == "who anonymous,anonymous,anonymous", "all three joined");

        const int Messages = 1500; // 16 KiB each: far more than the stalled client's socket buffers hold
        var filler = new string('x', 16 * 1024);
        var readA = ReadNumbered(readerA, Messages);
        var readB = ReadNumbered(readerB, Messages);
        var dropped = 0;
        for (var i = 0; i < Messages; i++)
        {
            await sender.SendTextAsync($"group room {i} {filler}");
            var result = (await sender.ReceiveTextAsync()).Split(' ', '/');
            Assert.True(int.Parse(result[1]) >= 2, $"message {i} reached both readers ({string.Join(' ', result)})");
            dropped += int.Parse(result[2]);
        }
        Assert.Equal(Messages, await readA);
        Assert.Equal(Messages, await readB);
        Assert.True(dropped > 0, "the stalled member's outbox filled, so it missed messages instead of holding up the room");
        Assert.Equal("who anonymous,anonymous,anonymous", await Command(sender, "who room")); // dropped messages do not close it under the Wait policy
    }

    private static async Task<int> ReadNumbered(ClientWebSocket socket, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var text = await socket.ReceiveTextAsync();
            var number = int.Parse(text.AsSpan(0, text.IndexOf(' ')));
            if (number != i) throw new InvalidOperationException($"expected message {i}, got {number}");
        }
        return count;
    }

    private static async Task<string> Command(ClientWebSocket socket, string command)
    {
        await socket.SendTextAsync(command);
        return await socket.ReceiveTextAsync();
    }

    private static async Task<string> Members(ClientWebSocket socket, string group)
        => string.Join(",", (await Command(socket, "who " + group))[4..].Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    private static async Task<string> IdOf(ClientWebSocket socket, string user)
    {
        var answer = (await Command(socket, "id")).Split(' ');
        Assert.Equal(user, answer[3]);
        return answer[1];
    }
}
