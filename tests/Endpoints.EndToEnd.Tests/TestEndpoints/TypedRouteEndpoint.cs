using System.Globalization;
using Endpoints;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public enum Shade { Light, Dark }

/// <summary>Route values parsed before the upgrade: a bad one is a 400.</summary>
[WebSocketEndpoint("/typed/{id}/{session}/{shade}/{page?}")]
public sealed class TypedRouteEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection, int id, Guid session, Shade shade, int? page)
        => connection.SendTextAsync(string.Create(CultureInfo.InvariantCulture, $"id={id} session={session} shade={shade} page={page?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
}
