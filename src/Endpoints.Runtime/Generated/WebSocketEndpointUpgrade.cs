using System.ComponentModel;
using System.Diagnostics;
using Endpoints.Runtime.Connections;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Protocol;
using Endpoints.Runtime.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Endpoints.Runtime.Generated;

/// <summary>Accepts the upgrade and runs a connection for a generated handler. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WebSocketEndpointUpgrade
{
    /// <summary>
    /// Checks the request's origin (403), handshake headers (400, 426) and subprotocol (400) and creates the endpoint
    /// instance (a failure there is a 500), all before the upgrade; then accepts the WebSocket and runs the connection until it ends. The endpoint's
    /// services come from the request's scope, which lives as long as the connection and is disposed after OnClose,
    /// when the request ends.
    /// </summary>
    public static Task RunAsync(HttpContext context, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(settings);
        var endpointName = settings.Name;
        var services = context.GetEndpoint()?.Metadata.GetMetadata<EndpointServices>() ?? EndpointServices.From(context.RequestServices);
        var options = services.Options;
        var logger = services.Logger;

        if (!UpgradeChecks.IsOriginAllowed(context, settings.AllowedOrigins ?? [], options.AllowedOrigins))
        {
            Log.OriginRejected(logger, context.Request.Headers.Origin.ToString(), endpointName);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("This origin may not open WebSocket connections to this endpoint.");
        }

        var (refusal, problem) = WebSocketHandshake.Check(context);
        if (refusal != 0)
        {
            if (refusal == StatusCodes.Status426UpgradeRequired) context.Response.Headers.SecWebSocketVersion = "13";
            return WebSocketEndpointRouting.Reject(context, refusal, problem!);
        }

        // The endpoint's own subprotocols first; then endpoints.v1, which every endpoint speaks to the clients that offer it.
        var subProtocol = settings.SubProtocols.Count > 0 ? UpgradeChecks.ChooseSubProtocol(context, settings.SubProtocols) : null;
        subProtocol ??= UpgradeChecks.OffersEnvelope(context) ? Envelope.SubProtocol : null;
        if (settings.SubProtocols.Count > 0)
        {
            if (subProtocol is null)
            {
                return WebSocketEndpointRouting.BadRequest(context,
                    "This endpoint requires one of the subprotocols " + string.Join(", ", settings.SubProtocols) + " (Sec-WebSocket-Protocol).");
            }
        }

        try
        {
            handler.Start(context);
        }
        catch (Exception exception)
        {
            Log.CreateFailed(logger, exception, endpointName);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }

        // As ASP.NET Core's WebSocket middleware does: a request timeout (AddRequestTimeouts) must not cut an open
        // connection, and code after the upgrade sees a WebSocket request that has been accepted.
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        context.Features.Set<IHttpWebSocketFeature>(AcceptedWebSocketFeature.Instance);
        var (deflate, extensions) = settings.EnableCompression || options.EnableCompression ? PerMessageDeflate.Negotiate(context.Request.Headers.SecWebSocketExtensions) : (null, null);
        var accept = WebSocketHandshake.AcceptAsync(context, subProtocol, extensions);
        // Not an async method: while a connection is open, only the receive loop's state machine is held for it.
        return accept.IsCompletedSuccessfully
            ? RunAccepted(context, handler, settings, services, subProtocol, deflate, accept.Result)
            : AcceptThenRunAsync(accept, context, handler, settings, services, subProtocol, deflate);
    }

    /// <summary>What the connections of the endpoint with these <paramref name="settings"/> share, made on its first connection.</summary>
    private static MappedEndpoint EndpointOf(EndpointServices services, WebSocketEndpointSettings settings, Type handlerType)
    {
        if (services.Endpoint is { } endpoint && ReferenceEquals(endpoint.Source, settings)) return endpoint;
        // A race makes two equal ones; either serves.
        endpoint = new MappedEndpoint(services, settings, settings.Name, settings.MaxMessageSize, settings.MaxStreamedMessageSize,
            services.Registries.For(settings.EndpointType ?? handlerType, settings.Name));
        services.Endpoint = endpoint;
        return endpoint;
    }

    private static async Task AcceptThenRunAsync(Task<Stream> accept, HttpContext context, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings,
        EndpointServices services, string? subProtocol, PerMessageDeflate? deflate)
        => await RunAccepted(context, handler, settings, services, subProtocol, deflate, await accept.ConfigureAwait(false)).ConfigureAwait(false);

    private static Task RunAccepted(HttpContext context, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings, EndpointServices services,
        string? subProtocol, PerMessageDeflate? deflate, Stream stream)
    {
        var endpoint = EndpointOf(services, settings, handler.GetType());
        // The name is only built when someone listens for spans.
        var source = WebSocketEndpointMetrics.ActivitySource;
        var activity = source.HasListeners() ? source.StartActivity("WebSocket " + endpoint.Name, ActivityKind.Server) : null;
        activity?.SetTag("endpoint", endpoint.Name);
        activity?.SetTag("websocket.connection.id", context.TraceIdentifier);
        if (subProtocol is not null) activity?.SetTag("websocket.subprotocol", subProtocol);
        var connection = new ServerWebSocketConnection(context, stream, subProtocol, deflate, endpoint);
        handler.Attach(connection);
        var loop = new ReceiveLoop(connection, handler) { Activity = activity };
        // The loop owns the connection from here to its end: registration, the backplane's wait, metrics, OnOpen …
        // OnClose and the release, in one try/finally.
        return loop.RunAsync(services.Registries.ConnectionIdPrefix, services.UserIds.GetUserId(context), services.Lifetime);
    }
}

/// <summary>The request's WebSocket feature once this library has taken the upgrade: a WebSocket request, already accepted.</summary>
internal sealed class AcceptedWebSocketFeature : IHttpWebSocketFeature
{
    public static readonly AcceptedWebSocketFeature Instance = new();

    public bool IsWebSocketRequest => true;

    public Task<System.Net.WebSockets.WebSocket> AcceptAsync(WebSocketAcceptContext context)
        => throw new InvalidOperationException("This WebSocket request is run by a [WebSocketEndpoint]; it has been accepted already.");
}
