using System.Globalization;
using Endpoints;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>
/// "threads count" starts that many threads that each send count messages at once, through every send
/// path (awaited send, TrySend, the outbox writer), then "done".
/// </summary>
[WebSocketEndpoint("/blast")]
public sealed class BlastEndpoint
{
    public async Task OnText(WebSocketConnection connection, string text)
    {
        var parts = text.Split(' ');
        var threads = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var count = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var senders = Enumerable.Range(0, threads).Select(thread => Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var message = string.Create(CultureInfo.InvariantCulture, $"{thread}:{i}:") + new string((char)('a' + thread % 26), 100 + i % 50);
                switch ((thread + i) % 3)
                {
                    case 0:
                        await connection.SendTextAsync(message);
                        break;
                    case 1:
                        while (!connection.TrySendText(message)) await Task.Yield();
                        break;
                    default:
                        await connection.Outbox.WriteAsync(message);
                        break;
                }
            }
        })).ToArray();
        await Task.WhenAll(senders);
        await connection.SendTextAsync("done");
    }
}
