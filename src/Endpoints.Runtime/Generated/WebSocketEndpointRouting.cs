using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Endpoints.Runtime.Generated;

/// <summary>Route registration for generated endpoints. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WebSocketEndpointRouting
{
    // HTTP/1.1 upgrades arrive as GET, HTTP/2 WebSockets (RFC 8441) as CONNECT with :protocol.
    private static readonly string[] s_upgradeMethods = ["GET", "CONNECT"];

    /// <summary>
    /// Maps the endpoint's pattern to <paramref name="accept"/>, wrapped in ASP.NET Core's WebSocket middleware so
    /// that the endpoint works whether or not the app called <c>UseWebSockets()</c> (the middleware leaves a request
    /// alone when an earlier one already handled it). The endpoint class's attributes come in as
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
        var webSocketOptions = services.GetService<IOptions<WebSocketOptions>>() ?? Options.Create(new WebSocketOptions());
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var withWebSockets = new WebSocketMiddleware(accept, webSocketOptions, loggerFactory);

        return routes.Map(settings.Pattern, withWebSockets.Invoke)
            .WithMetadata(new HttpMethodMetadata(s_upgradeMethods))
            .WithMetadata(EndpointServices.From(services))
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

    /// <summary>Answers a request to a WebSocket endpoint that is not a WebSocket upgrade with 400.</summary>
    public static Task RejectNonWebSocketRequest(HttpContext context)
        => BadRequest(context, "This endpoint only accepts WebSocket requests.");

    /// <summary>Ends a request that cannot be upgraded with 400 and a plain-text reason.</summary>
    public static Task BadRequest(HttpContext context, string reason)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason);
    }
}
