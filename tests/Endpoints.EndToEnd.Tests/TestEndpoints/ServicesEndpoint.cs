using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>[FromServices] and HttpContext binding, and the connection's own service scope.</summary>
[WebSocketEndpoint("/services/{key}")]
public sealed class ServicesEndpoint
{
    public ValueTask OnOpen(string key, [FromServices] ScopedResource scoped, HttpContext context, WebSocketConnection connection)
    {
        scoped.Key = key;
        return connection.SendTextAsync($"{context.Request.Path} via {connection.Id.Length > 0}");
    }

    // The same scoped instance for the whole connection: its key was set in OnOpen.
    public ValueTask OnText(string text, [FromServices] ScopedResource scoped, WebSocketConnection connection)
        => connection.SendTextAsync(scoped.Key + ":" + text);

    public void OnClose([FromServices] Probe probe, string key) => probe.Record(key, "OnClose");
}
