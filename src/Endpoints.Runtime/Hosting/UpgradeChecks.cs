using Endpoints.Runtime.Protocol;
using Microsoft.AspNetCore.Http;

namespace Endpoints.Runtime.Hosting;

/// <summary>The checks a request passes before the upgrade: its origin and the subprotocol it asks for.</summary>
internal static class UpgradeChecks
{
    /// <summary>
    /// Whether a browser on the request's <c>Origin</c> may connect: no Origin (not a browser), the server's
    /// own origin, "*" or a listed origin.
    /// </summary>
    public static bool IsOriginAllowed(HttpContext context, IReadOnlyList<string> endpointOrigins, IList<string> optionsOrigins)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        var request = context.Request;
        if (SameOrigin(origin, request.Scheme, request.Host.Value)) return true;
        var allowed = endpointOrigins.Count > 0 ? endpointOrigins : (IEnumerable<string>)optionsOrigins;
        foreach (var candidate in allowed)
        {
            if (candidate == "*" || string.Equals(candidate.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Whether the client offers <c>endpoints.v1</c> (our clients do).</summary>
    public static bool OffersEnvelope(HttpContext context)
    {
        // Most clients offer no subprotocol: nothing to split.
        if (context.Request.Headers.SecWebSocketProtocol.Count == 0) return false;
        foreach (var offered in WebSocketHandshake.RequestedSubProtocols(context))
        {
            if (offered == Envelope.SubProtocol) return true;
        }
        return false;
    }

    /// <summary>The first subprotocol the client offers that the endpoint speaks; null when there is none.</summary>
    public static string? ChooseSubProtocol(HttpContext context, IReadOnlyList<string> supported)
    {
        foreach (var offered in WebSocketHandshake.RequestedSubProtocols(context))
        {
            foreach (var candidate in supported)
            {
                if (string.Equals(candidate, offered, StringComparison.Ordinal)) return candidate;
            }
        }
        return null;
    }

    private static bool SameOrigin(string origin, string scheme, string? host)
    {
        if (host is null || !Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return false;
        // A browser's Origin uses http/https even for ws/wss upgrades.
        var originScheme = uri.Scheme;
        return string.Equals(originScheme, scheme, StringComparison.OrdinalIgnoreCase)
               && string.Equals(uri.IsDefaultPort ? uri.Host : uri.Authority, host, StringComparison.OrdinalIgnoreCase);
    }
}
