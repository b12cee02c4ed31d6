using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>
/// Queues 16 KiB messages on the outbox as fast as it takes them (the broadcast pattern: no waiting for each
/// write), counting them, until the outbox refuses.
/// </summary>
[WebSocketEndpoint("/flood/{key}")]
public sealed class FloodEndpoint(Probe probe)
{
    private static readonly byte[] s_payload = new byte[16 * 1024];

    public string OnOpen(string key, WebSocketConnection connection)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await connection.Outbox.WriteAsync(s_payload);
                    probe.Counters.AddOrUpdate(key, 1, (_, count) => count + 1);
                }
            }
            catch (Exception error)
            {
                probe.Record(key, "send failed: " + error.GetType().Name);
            }
        });
        return key;
    }

    public void OnClose(string key, WebSocketCloseInfo close) => probe.Closes.Add((key, close));
}
