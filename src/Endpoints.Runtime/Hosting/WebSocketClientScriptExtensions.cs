using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves the Endpoints browser client.</summary>
public static class WebSocketClientScriptExtensions
{
    /// <summary>The path of the browser client (an ES module); its TypeScript declarations are at the same path with <c>.d.ts</c>.</summary>
    public const string ClientScriptPath = "/_endpoints/client.js";

    /// <summary>
    /// Serves the browser client at <c>/_endpoints/client.js</c> (and <c>/_endpoints/client.d.ts</c>), so a page can
    /// <c>import { EndpointsSocket } from "/_endpoints/client.js"</c>. Opt-in: without this call nothing is served.
    /// </summary>
    public static IEndpointConventionBuilder MapWebSocketClientScript(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var script = Read("endpoints-client.js");
        var declarations = Read("endpoints-client.d.ts");
        var group = routes.MapGroup("/_endpoints");
        group.MapGet("/client.js", (HttpContext context) => Serve(context, script, "text/javascript; charset=utf-8"));
        group.MapGet("/client.d.ts", (HttpContext context) => Serve(context, declarations, "text/plain; charset=utf-8"));
        return group;
    }

    private static Task Serve(HttpContext context, byte[] content, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(content).AsTask();
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(WebSocketClientScriptExtensions).Assembly.GetManifestResourceStream("Endpoints.Client." + name)
                           ?? throw new InvalidOperationException($"The browser client resource {name} is missing from Endpoints.Runtime.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
