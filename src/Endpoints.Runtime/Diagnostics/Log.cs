using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "WebSocket {ConnectionId} opened on {Endpoint}.")]
    public static partial void Opened(ILogger logger, string connectionId, string endpoint);

    [LoggerMessage(2, LogLevel.Debug, "WebSocket {ConnectionId} on {Endpoint} closed: {Reason} ({Status}).")]
    public static partial void Closed(ILogger logger, string connectionId, string endpoint, WebSocketCloseReason reason, WebSocketCloseStatus? status);

    [LoggerMessage(3, LogLevel.Error, "A callback of WebSocket {ConnectionId} on {Endpoint} threw; closing it with 1011.")]
    public static partial void CallbackFailed(ILogger logger, Exception exception, string connectionId, string endpoint);

    [LoggerMessage(4, LogLevel.Error, "OnError of WebSocket {ConnectionId} on {Endpoint} threw.")]
    public static partial void OnErrorFailed(ILogger logger, Exception exception, string connectionId, string endpoint);

    [LoggerMessage(5, LogLevel.Error, "OnClose of WebSocket {ConnectionId} on {Endpoint} threw.")]
    public static partial void OnCloseFailed(ILogger logger, Exception exception, string connectionId, string endpoint);

    [LoggerMessage(6, LogLevel.Error, "OnOpen of WebSocket {ConnectionId} on {Endpoint} threw; closing it with 1011.")]
    public static partial void OnOpenFailed(ILogger logger, Exception exception, string connectionId, string endpoint);

    [LoggerMessage(7, LogLevel.Error, "Creating the endpoint {Endpoint} failed; the upgrade was refused with 500.")]
    public static partial void CreateFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(8, LogLevel.Debug, "WebSocket {ConnectionId}: the peer broke the protocol: {Problem}.")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string problem);

    [LoggerMessage(13, LogLevel.Debug, "WebSocket {ConnectionId}: the connection ended without a close frame.")]
    public static partial void InputEnded(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(9, LogLevel.Debug, "WebSocket {ConnectionId}: sending failed; the connection is dropped.")]
    public static partial void SendFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(11, LogLevel.Information, "A WebSocket upgrade to {Endpoint} from origin {Origin} was refused with 403.")]
    public static partial void OriginRejected(ILogger logger, string origin, string endpoint);

    [LoggerMessage(12, LogLevel.Warning, "The host is stopping, but a callback of WebSocket {ConnectionId} on {Endpoint} is still running after the close timeout; closing anyway, so its later sends will fail.")]
    public static partial void CallbackOutlivedShutdown(ILogger logger, string connectionId, string endpoint);

    [LoggerMessage(10, LogLevel.Error, "A callback registered on the Closed token of WebSocket {ConnectionId} threw.")]
    public static partial void ClosedCallbackFailed(ILogger logger, Exception exception, string connectionId);
}
