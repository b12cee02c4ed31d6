// Parameters nothing binds get advice for what they most likely are.
// expect WS0002 at `WebSocket socket`: Parameter 'socket' of OnOpen cannot be bound: the raw WebSocket is not handed out; take WebSocketConnection to send, close or read the connection
// expect WS0002 at `int page`: Parameter 'page' of OnOpen cannot be bound: no route value of "/advice" is named 'page'; add '{page}' to the route pattern, or mark it [FromQuery] or [FromHeader]
// expect WS0002 at `ILogger<AdviceEndpoint> log`: Parameter 'log' of OnText cannot be bound: 'ILogger<AdviceEndpoint>' is not a value of the connection; if it is a service, mark the parameter [FromServices] or take it in the constructor
// expect WS0002 at `Exception? error`: Parameter 'error' of OnClose cannot be bound: OnClose receives no exception; take WebSocketCloseInfo, whose Reason says why the connection ended, and OnError(Exception) for the exception
// expect WS0002 at `WebSocketCloseInfo close`: Parameter 'close' of OnError cannot be bound: only OnClose receives WebSocketCloseInfo; remove it from OnError
// generates: none
using System;
using System.Net.WebSockets;
using Endpoints;
using Microsoft.Extensions.Logging;

[WebSocketEndpoint("/advice")]
public sealed class AdviceEndpoint
{
    public void OnOpen(WebSocket socket, int page) { }
    public void OnText(string text, ILogger<AdviceEndpoint> log) { }
    public void OnClose(WebSocketCloseInfo info, Exception? error) { }
    public void OnError(Exception exception, WebSocketCloseInfo close) { }
}
