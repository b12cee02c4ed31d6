using System.ComponentModel;
using Endpoints.Runtime.Fanout;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Endpoints.Runtime.Generated;

/// <summary>Route registration for generated endpoints. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WebSocketEndpointRouting
{
    // HTTP/1.1 upgrades arrive as GET, HTTP/2 WebSockets (RFC 8441) as CONNECT with :protocol.
    private static readonly string[] s_upgradeMethods = ["GET", "CONNECT"];

    /// <summary>
    /// Maps the endpoint's pattern to <paramref name="accept"/> (the WebSocket handshake is Endpoints' own, so the app
    /// needs no <c>UseWebSockets()</c>). The endpoint class's attributes come in as
    /// <paramref name="metadata"/>, so authorization, rate limiting and the rest of the pipeline see them before the
    /// upgrade. Throws when a service the endpoint needs is not registered, so the app fails at startup, not when a
    /// client connects.
    /// </summary>
    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder routes, WebSocketEndpointSettings settings, RequestDelegate accept, params object[] metadata)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(accept);
        var services = routes.ServiceProvider;
        RequiredServices.ThrowIfMissing(services, settings);
        var endpointServices = EndpointServices.From(services);
        // The registry learns the codec now, so typed sends through IWebSocketClients work before any connection.
        if (settings.EndpointType is { } type)
        {
            var registry = endpointServices.Registries.For(type, settings.Name);
            registry.Codec ??= settings.Codec;
            var options = endpointServices.Options;
            if (settings.Resumable) registry.Streams ??= new ResumableStreams(registry, endpointServices.Time, options.History, options.SessionKey);
        }
        return routes.Map(settings.Pattern, accept)
            .WithMetadata(new HttpMethodMetadata(s_upgradeMethods))
            .WithMetadata(endpointServices)
            .WithMetadata(metadata)
            .WithDisplayName("WebSocket " + settings.Name);
    }

    /// <summary>The raw route value <paramref name="name"/>, or <see langword="null"/> when the route has none.</summary>
    public static string? GetRouteValue(HttpContext context, string name)
        => context.Request.RouteValues.TryGetValue(name, out var value) ? value?.ToString() : null;

    /// <summary>The query string value <paramref name="name"/> (the first, if repeated), or <see langword="null"/>.</summary>
    public static string? GetQueryValue(HttpContext context, string name)
        => context.Request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The request header <paramref name="name"/> (the first, if repeated), or <see langword="null"/>.</summary>
    public static string? GetHeaderValue(HttpContext context, string name)
        => context.Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>Whether the request asks for a WebSocket (an HTTP/1.1 upgrade or an HTTP/2 extended CONNECT).</summary>
    public static bool IsWebSocketRequest(HttpContext context) => WebSocketHandshake.IsWebSocketRequest(context);

    /// <summary>Answers a request to a WebSocket endpoint that is not a WebSocket upgrade with 400.</summary>
    public static Task RejectNonWebSocketRequest(HttpContext context)
        => BadRequest(context, "This endpoint only accepts WebSocket requests.");

    /// <summary>Ends a request that cannot be upgraded with 400 and a plain-text reason.</summary>
    public static Task BadRequest(HttpContext context, string reason) => Reject(context, StatusCodes.Status400BadRequest, reason);

    /// <summary>Ends a request that cannot be upgraded with <paramref name="status"/> and a plain-text reason.</summary>
    public static Task Reject(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason);
    }
}
