using System.ComponentModel;
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
        using var connection = new ServerWebSocketConnection(context, socket, options, logger);
        handler.Attach(connection);

        var lifetime = requestServices.GetService<IHostApplicationLifetime>();
        using var shutdown = lifetime?.ApplicationStopping.UnsafeRegister(
            static state => ((ServerWebSocketConnection)state!).RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseReason.ServerShutdown),
            connection);

        await new WebSocketSession(socket, connection, handler, options, settings, logger).RunAsync().ConfigureAwait(false);
    }
}
