using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Chaos;

/// <summary>
/// Replay of a full history on a quiet cluster (after the chaos, nothing else published): a client of one group goes
/// away, 300 messages are sent to the group, and it comes back through the balancer (usually to another node) with its
/// positions. Timed from the connect and from the welcome to the last replayed message.
/// </summary>
internal static class ReplayTrials
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public static async Task<ReplayTrialResult> RunAsync(Uri balancer, IReadOnlyList<ChaosNode> nodes, int trials, int missed)
    {
        var fromConnect = new List<double>();
        var fromWelcome = new List<double>();
        long seq = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            var group = "replay" + trial.ToString(CultureInfo.InvariantCulture);
            var uri = new Uri(balancer, $"/resumable?user=replayer{trial}&groups={group}");
            string session;
            Dictionary<string, (string Epoch, long Offset)> positions;
            using (var first = await ConnectAsync(uri))
            {
                session = (await HelloAsync(first, null, null)).Welcome["session"]!.GetValue<string>();
                positions = await ReadUntilSubscribedAsync(first, "g:" + group, expected: 0);
                first.Abort();
            }
            // Sent through one node after another, as the publisher would; each taken before the next.
            for (var i = 0; i < missed; i++)
            {
                var node = nodes[i % nodes.Count];
                using var response = await node.Http.PostAsync($"/publish/resumable/group/{group}/{++seq}", null);
                response.EnsureSuccessStatusCode();
            }
            var connectAt = Stopwatch.GetTimestamp();
            using var back = await ConnectAsync(uri);
            var (welcome, welcomeAt) = await HelloAsync(back, session, positions);
            if (welcome["resumed"]?.GetValue<bool>() != true) throw new InvalidOperationException("The replay trial's session was not resumed.");
            await ReadUntilSubscribedAsync(back, "g:" + group, expected: missed);
            var doneAt = Stopwatch.GetTimestamp();
            fromConnect.Add(Stopwatch.GetElapsedTime(connectAt, doneAt).TotalMilliseconds);
            fromWelcome.Add(Stopwatch.GetElapsedTime(welcomeAt, doneAt).TotalMilliseconds);
            back.Abort();
        }
        return new ReplayTrialResult(trials, missed, [.. fromConnect.Order()], [.. fromWelcome.Order()]);
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("endpoints.v1");
        using var timeout = new CancellationTokenSource(s_timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    private static async Task<(JsonObject Welcome, long At)> HelloAsync(ClientWebSocket socket, string? session, Dictionary<string, (string Epoch, long Offset)>? positions)
    {
        var hello = new JsonObject();
        if (session is not null) hello["session"] = session;
        if (positions is not null)
        {
            var members = new JsonObject();
            foreach (var (stream, (epoch, offset)) in positions) members[stream] = new JsonObject { ["e"] = epoch, ["o"] = offset };
            hello["positions"] = members;
        }
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"k\":\"hello\"}\n" + hello.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var (header, payload) = await ReceiveAsync(socket);
            if (header?["k"]?.GetValue<string>() == "welcome") return (JsonNode.Parse(payload)!.AsObject(), Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Reads until the stream's sub; returns every stream's position. Fails unless exactly <paramref name="expected"/> came first in it.</summary>
    private static async Task<Dictionary<string, (string, long)>> ReadUntilSubscribedAsync(ClientWebSocket socket, string stream, int expected)
    {
        var positions = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        var replayed = 0;
        while (true)
        {
            var (header, payload) = await ReceiveAsync(socket);
            if (header is null) continue;
            if (header["k"]?.GetValue<string>() == "sub")
            {
                var sub = JsonNode.Parse(payload)!;
                var subscribed = sub["s"]!.GetValue<string>();
                positions[subscribed] = (sub["e"]!.GetValue<string>(), sub["o"]!.GetValue<long>());
                if (subscribed != stream) continue;
                if (replayed != expected) throw new InvalidOperationException($"The replay trial got {replayed} messages of {stream}, not {expected}.");
                return positions;
            }
            if (header["k"]?.GetValue<string>() == "gap") throw new InvalidOperationException("The replay trial got a gap: " + payload);
            if (header["s"]?.GetValue<string>() is { } name)
            {
                positions[name] = (header["e"]!.GetValue<string>(), header["o"]!.GetValue<long>());
                if (name == stream) replayed++;
            }
        }
    }

    private static async Task<(JsonObject? Header, string Payload)> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        var buffer = new byte[8192];
        var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("The replay trial's connection was closed: " + socket.CloseStatus);
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            var lineFeed = text.IndexOf('\n', StringComparison.Ordinal);
            var header = lineFeed > 0 ? JsonNode.Parse(text[..lineFeed])?.AsObject() : null;
            return (header, text[(lineFeed + 1)..]);
        }
    }
}

/// <summary>What the replay trials measured, sorted ascending (ms).</summary>
internal sealed record ReplayTrialResult(int Trials, int Missed, IReadOnlyList<double> FromConnectMs, IReadOnlyList<double> FromWelcomeMs);
