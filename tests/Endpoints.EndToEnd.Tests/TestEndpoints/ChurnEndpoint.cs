using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>Counts opens and closes and tracks its instances, so a churn test can look for leaks.</summary>
[WebSocketEndpoint("/churn")]
public sealed class ChurnEndpoint(Probe probe)
{
    public void OnOpen(WebSocketConnection connection)
    {
        probe.Tracked.Add(new WeakReference(this));
        probe.Tracked.Add(new WeakReference(connection));
        probe.Count("opened");
    }

    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);

    public void OnClose(WebSocketCloseInfo close) => probe.Count("closed " + close.Reason);
}
