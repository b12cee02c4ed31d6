using System.ComponentModel;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Endpoints.Runtime;

/// <summary>Accepts the upgrade and runs a connection for a generated handler. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WebSocketEndpointRunner
{
    // Cached so that tagging a close allocates no string.
    private static readonly string[] s_reasonTags = Enum.GetNames<WebSocketCloseReason>().Select(static name => name.ToLowerInvariant()).ToArray();

    private static string ReasonTag(WebSocketCloseReason reason)
        => (uint)reason < (uint)s_reasonTags.Length ? s_reasonTags[(int)reason] : reason.ToString();

    private const string LoggerCategory = "Endpoints.WebSocketEndpoint";
    private static readonly WebSocketEndpointOptions s_defaultOptions = new();

    /// <summary>
    /// Checks the request's origin (403) and subprotocol (400), creates the endpoint instance in a new service
    /// scope (a failure there is a 500), all before the upgrade; then accepts the WebSocket and runs the
    /// connection until it ends. The scope is disposed after OnClose.
    /// </summary>
    public static async Task RunAsync(HttpContext context, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(settings);
        var endpointName = settings.Name;
        var requestServices = context.RequestServices;
        var options = requestServices.GetService<IOptions<WebSocketEndpointOptions>>()?.Value ?? s_defaultOptions;
        var logger = requestServices.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;

        if (!UpgradeChecks.IsOriginAllowed(context, settings.AllowedOrigins ?? [], options.AllowedOrigins))
        {
            Log.OriginRejected(logger, context.Request.Headers.Origin.ToString(), endpointName);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("This origin may not open WebSocket connections to this endpoint.").ConfigureAwait(false);
            return;
        }

        string? subProtocol = null;
        if (settings.SubProtocols.Count > 0)
        {
            subProtocol = UpgradeChecks.ChooseSubProtocol(context, settings.SubProtocols);
            if (subProtocol is null)
            {
                await WebSocketEndpointRouting.BadRequest(context,
                    "This endpoint requires one of the subprotocols " + string.Join(", ", settings.SubProtocols) + " (Sec-WebSocket-Protocol).").ConfigureAwait(false);
                return;
            }
        }

        await using var scope = requestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        try
        {
            handler.Start(context, scope.ServiceProvider);
        }
        catch (Exception exception)
        {
            Log.CreateFailed(logger, exception, endpointName);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveTimeout,
            DangerousEnableCompression = settings.EnableCompression,
        }).ConfigureAwait(false);
        var metrics = requestServices.GetService<WebSocketEndpointMetrics>() ?? WebSocketEndpointMetrics.Shared;
        var endpointTag = new KeyValuePair<string, object?>("endpoint", endpointName);
        using var activity = WebSocketEndpointMetrics.ActivitySource.StartActivity("WebSocket " + endpointName, ActivityKind.Server);
        activity?.SetTag("endpoint", endpointName);
        activity?.SetTag("websocket.connection.id", context.TraceIdentifier);
        if (subProtocol is not null) activity?.SetTag("websocket.subprotocol", subProtocol);
        using var connection = new ServerWebSocketConnection(context, socket, options, logger, metrics, endpointTag);
        handler.Attach(connection);

        metrics.OpenedConnections.Add(1, endpointTag);
        metrics.ActiveConnections.Add(1, endpointTag);
        var session = new WebSocketSession(socket, connection, handler, options, settings, logger, metrics, endpointTag);
        var lifetime = requestServices.GetService<IHostApplicationLifetime>();
        using var shutdown = lifetime?.ApplicationStopping.UnsafeRegister(static state => ((WebSocketSession)state!).OnHostStopping(), session);
        WebSocketCloseInfo close;
        try
        {
            close = await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            metrics.ActiveConnections.Add(-1, endpointTag);
        }
        metrics.ClosedConnections.Add(1, endpointTag, new KeyValuePair<string, object?>("reason", ReasonTag(close.Reason)));
        if (activity is not null)
        {
            activity.SetTag("websocket.close.reason", ReasonTag(close.Reason));
            if (close.Status is { } status) activity.SetTag("websocket.close.status", (int)status);
            if (close.Reason is WebSocketCloseReason.Error or WebSocketCloseReason.ProtocolError) activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
