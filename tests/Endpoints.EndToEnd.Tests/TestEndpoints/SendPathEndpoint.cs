using System.Net.WebSockets;
using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public sealed record SendPathState(string Key, HttpContext Context);

/// <summary>
/// The send path under cancellation and failure (review findings C1, C2, C4, C6, S1): each text command sets up one
/// situation and records what the endpoint saw; the test reads the wire.
/// </summary>
[WebSocketEndpoint("/sendpath/{key}")]
public sealed class SendPathEndpoint(Probe probe)
{
    public SendPathState OnOpen(string key, HttpContext context)
        => key == "throws-on-open" ? throw new InvalidOperationException("OnOpen fails") : new(key, context);

    public async ValueTask OnText(SendPathState state, WebSocketConnection connection, string text)
    {
        var key = state.Key;
        switch (text)
        {
            case "stream-cancel":
            {
                // The first streamed send takes the connection and holds it for a while; the second has to wait its
                // turn, and its caller gives up first.
                var first = connection.SendBinaryStreamAsync(async (s, ct) =>
                {
                    await s.WriteAsync(new byte[10], ct);
                    await Task.Delay(800, ct);
                });
                using (var giveUp = new CancellationTokenSource(150))
                {
                    try
                    {
                        await connection.SendBinaryStreamAsync(async (s, ct) => await s.WriteAsync(new byte[5], ct), giveUp.Token);
                        probe.Record(key, "second stream sent");
                    }
                    catch (OperationCanceledException)
                    {
                        probe.Record(key, "second stream cancelled");
                    }
                }
                await first;
                var after = connection.SendTextAsync("after").AsTask();
                probe.Record(key, await Task.WhenAny(after, Task.Delay(5000)) == after ? "after sent" : "after stuck");
                return;
            }
            case "stream-fails-with-queued":
                try
                {
                    await connection.SendBinaryStreamAsync(async (s, ct) =>
                    {
                        await s.WriteAsync(new byte[40_000], ct); // two 16 KiB fragments go out
                        probe.Record(key, connection.TrySendText("queued during the stream") ? "queued" : "queue refused");
                        throw new InvalidOperationException("export failed half-way");
                    });
                }
                catch (InvalidOperationException)
                {
                    probe.Record(key, "stream failed");
                }
                return;
            case "request":
                // What code after the upgrade sees of the request, as with ASP.NET Core's own WebSocket middleware.
                probe.Record(key, $"aborted {state.Context.RequestAborted.IsCancellationRequested}, websocket {state.Context.WebSockets.IsWebSocketRequest}");
                return;
            case "slow-stream":
                // Five fragments, a pause between them, sent in the background (the receive loop goes on reading): pings from
                // the client are answered between the fragments.
                _ = Task.Run(async () => await connection.SendBinaryStreamAsync(async (stream, ct) =>
                {
                    for (var i = 0; i < 5; i++)
                    {
                        await stream.WriteAsync(new byte[1000], ct);
                        await stream.FlushAsync(ct);
                        await Task.Delay(300, ct);
                    }
                }));
                return;
            case "hang-stream":
                // A streamed send whose writer waits for something that never comes; only the connection's end stops it.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await connection.SendBinaryStreamAsync(async (stream, ct) =>
                        {
                            await stream.WriteAsync(new byte[10], ct);
                            await stream.FlushAsync(ct);
                            probe.Record(key, "stream holding");
                            await Task.Delay(Timeout.Infinite, ct);
                        });
                    }
                    catch (OperationCanceledException)
                    {
                        probe.Record(key, "stream ended by the connection's end");
                    }
                });
                return;
            case "queue one":
                probe.Record(key, "queued " + connection.TrySendText("queued"));
                return;
            case "join room":
                await connection.JoinGroupAsync("room");
                probe.Record(key, "joined");
                return;
            case "keep":
                // Code that keeps the connection past its end (a cache, a background job).
                Kept[key] = connection;
                return;
            case "fill":
                // 16 MiB that the client does not read yet: this write holds the connection meanwhile.
                _ = connection.SendBinaryAsync(new byte[16 * 1024 * 1024]).AsTask();
                probe.Record(key, "fill started");
                return;
            case "race":
                // Senders on other threads while the endpoint closes: no data frame may follow the close frame.
                var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    for (var i = 0; i < 300; i++)
                    {
                        connection.TrySendText("x");
                        try
                        {
                            await connection.SendTextAsync("y");
                        }
                        catch (WebSocketException)
                        {
                        }
                    }
                })).ToArray();
                await Task.Delay(1);
                await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "race");
                await Task.WhenAll(senders);
                return;
        }
        if (text.StartsWith("close ", StringComparison.Ordinal))
        {
            var parts = text.Split(' ', 3);
            try
            {
                await connection.CloseAsync((WebSocketCloseStatus)int.Parse(parts[1]), parts.Length > 2 ? parts[2] : null);
                probe.Record(key, "close accepted");
            }
            catch (ArgumentException error)
            {
                probe.Record(key, "close threw " + error.GetType().Name);
            }
        }
    }

    public async ValueTask OnBinary(SendPathState state, WebSocketConnection connection, ReadOnlyMemory<byte> data)
    {
        if (data.Span[0] == (byte)'A')
        {
            // An awaited send bounded by a timeout, as an app bounds a slow client; it has to queue behind "fill".
            using var giveUp = new CancellationTokenSource(300);
            try
            {
                await connection.SendBinaryAsync(data, giveUp.Token);
                probe.Record(state.Key, "A sent");
            }
            catch (OperationCanceledException)
            {
                probe.Record(state.Key, "A cancelled");
            }
            return;
        }
        probe.Record(state.Key, "B seen");
    }

    /// <summary>Connections kept by "keep", by key.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WebSocketConnection> Kept = new();

    public void OnClose(SendPathState state, WebSocketCloseInfo close) => probe.Record(state.Key, $"OnClose {close.Reason} {(int?)close.Status}");
}
