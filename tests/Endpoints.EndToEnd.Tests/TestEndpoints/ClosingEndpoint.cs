using System.Net.WebSockets;
using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>Server-initiated closes: "close" calls CloseAsync(4000), "complete" completes the outbox after a last message.</summary>
[WebSocketEndpoint("/closing/{key}")]
public sealed class ClosingEndpoint(Probe probe)
{
    public string OnOpen(string key) => key;

    public async Task OnText(string key, string text, WebSocketConnection connection)
    {
        if (text == "close")
        {
            await connection.SendTextAsync("closing");
            await connection.CloseAsync((WebSocketCloseStatus)4000, "bye now");
        }
        else if (text == "slow")
        {
            probe.Record(key, "slow callback started");
            await Task.Delay(700);
            await connection.SendTextAsync("finished");
        }
        else if (text == "complete")
        {
            connection.TrySendText("last words");
            connection.Outbox.Complete();
        }
    }

    public async Task OnClose(string key, WebSocketCloseInfo close, CancellationToken closed, WebSocketConnection connection)
    {
        probe.Record(key, "closed token cancelled: " + closed.IsCancellationRequested);
        probe.Record(key, "TrySendText after close: " + connection.TrySendText("late"));
        try
        {
            await connection.SendTextAsync("late");
            probe.Record(key, "SendTextAsync after close: sent");
        }
        catch (WebSocketException error)
        {
            probe.Record(key, "SendTextAsync after close: " + error.WebSocketErrorCode);
        }
        probe.Closes.Add((key, close));
    }
}
