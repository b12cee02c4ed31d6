using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using System.Security.Claims;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>Only admins: the upgrade is refused with 401/403 before OnOpen otherwise.</summary>
[Authorize(Roles = "admin")]
[WebSocketEndpoint("/admin/{key}")]
public sealed class AdminEndpoint(Probe probe)
{
    public ValueTask OnOpen(string key, ClaimsPrincipal user, WebSocketConnection connection)
    {
        probe.Record(key, "OnOpen");
        return connection.SendTextAsync("hello " + user.Identity!.Name);
    }
}

/// <summary>One upgrade per minute: the second gets 429 before the upgrade.</summary>
[EnableRateLimiting("one-per-minute")]
[WebSocketEndpoint("/limited")]
public sealed class LimitedEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendTextAsync("in");
}

/// <summary>Speaks two subprotocols; OnOpen reports the one chosen.</summary>
[WebSocketEndpoint("/proto", SubProtocols = new[] { "chat.v2", "chat.v1" })]
public sealed class SubProtocolEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendTextAsync("speaking " + connection.SubProtocol);
}

/// <summary>Echo with permessage-deflate.</summary>
[WebSocketEndpoint("/compressed", EnableCompression = true)]
public sealed class CompressedEndpoint
{
    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
}

/// <summary>Only a partner site may connect from a browser.</summary>
[WebSocketEndpoint("/partner", AllowedOrigins = new[] { "https://partner.example" })]
public sealed class PartnerEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendTextAsync("partner in");
}

/// <summary>Query and header values, typed and parsed before the upgrade.</summary>
[WebSocketEndpoint("/request-values")]
public sealed class RequestValuesEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection, [FromQuery] int count, [FromQuery(Name = "mode")] string? mode, [FromHeader(Name = "X-Tenant")] string tenant)
        => connection.SendTextAsync($"count={count} mode={mode ?? "none"} tenant={tenant}");
}
