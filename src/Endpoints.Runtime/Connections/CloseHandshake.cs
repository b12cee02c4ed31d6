using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// The close handshake of one connection, in one place: its state (requested → frame written → peer's close
/// received → done), the close the server asked for, and the deadline that drops a peer that never finishes.
/// Whoever ends a connection comes here: the app (<c>CloseAsync</c>, completing the outbox), the receive loop (a
/// bad message, the peer's close frame, a failed read), a policy (idle, rate, slow consumer) or host shutdown.
/// </summary>
internal sealed class CloseHandshake(ServerWebSocketConnection connection, WebSocket socket, TimeProvider time, TimeSpan timeout, ILogger logger)
{
    private static readonly CloseRequest s_normalClosure = new(WebSocketCloseStatus.NormalClosure, null, WebSocketCloseReason.ServerClosed);

    private CloseRequest? _request;
    private ITimer? _deadline;
    // Created when someone waits for the close frame (CloseAsync); most connections never need it.
    private TaskCompletionSource? _frameWritten;
    private bool _frameDone;
    private bool _ended;

    /// <summary>Set once by the connection; the transmitter drains the outbox before the close frame.</summary>
    public Transmitter Transmitter { get; set; } = null!;

    /// <summary>The close the server asked for first, if any; later requests do not replace it.</summary>
    public CloseRequest? Request => Volatile.Read(ref _request);

    public bool IsRequested => Volatile.Read(ref _request) is not null;

    /// <summary>
    /// Asks for the close: the outbox takes no more messages, the queued ones go out, then the close frame. Starts the
    /// deadline. Returns false if a close was already requested (the first reason stands).
    /// </summary>
    public bool TryRequest(WebSocketCloseStatus status, string? description, WebSocketCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _request, new CloseRequest(status, description, reason), null) is not null) return false;
        if (!Volatile.Read(ref _ended))
        {
            // Aborting the socket alone does not end a write blocked on transport backpressure; the connection's Abort
            // ends the request too.
            Volatile.Write(ref _deadline, time.CreateTimer(static state => ((ServerWebSocketConnection)state!).Abort(), connection, timeout, Timeout.InfiniteTimeSpan));
        }
        Transmitter.CompleteOutbox();
        return true;
    }

    /// <summary>Writes the close frame. The transmitter calls this holding the send lock, after the queued messages.</summary>
    public ValueTask WriteFrameAsync()
    {
        var close = Request ?? s_normalClosure;
        return socket.State is WebSocketState.Open or WebSocketState.CloseReceived
            ? new ValueTask(socket.CloseOutputAsync(close.Status, close.Description, CancellationToken.None))
            : default;
    }

    /// <summary>The transmitter has stopped: the close frame is written, or the socket failed. Releases <see cref="WhenFrameWritten"/>.</summary>
    public void FrameDone()
    {
        Volatile.Write(ref _frameDone, true);
        Volatile.Read(ref _frameWritten)?.TrySetResult();
    }

    /// <summary>Completes when the close frame has been written (or the connection has ended without one).</summary>
    public Task WhenFrameWritten()
    {
        if (Volatile.Read(ref _frameDone)) return Task.CompletedTask;
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _frameWritten, written, null) is { } existing) return existing.Task;
        if (Volatile.Read(ref _frameDone)) written.TrySetResult(); // the transmitter finished meanwhile
        return written.Task;
    }

    /// <summary>The peer's close frame arrived: the answer to ours, or its own close, which is echoed.</summary>
    public WebSocketCloseInfo PeerClosed()
    {
        if (Request is { } requested) return requested.ToCloseInfo(); // the server's reason stands
        var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
        var description = socket.CloseStatusDescription;
        // Echo the peer's status, as RFC 6455 (5.5.1) asks; 1005 (no status) cannot be sent, so answer 1000.
        TryRequest(status == WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status, description, WebSocketCloseReason.ClientClosed);
        return new WebSocketCloseInfo(socket.CloseStatus, description, WebSocketCloseReason.ClientClosed);
    }

    /// <summary>A read failed: says why the connection ended.</summary>
    public WebSocketCloseInfo ReceiveFailed(Exception exception, bool keepAliveTimeoutEnabled)
    {
        // The server was closing and the peer did not finish the handshake in time (or went away).
        if (Request is { } requested) return requested.ToCloseInfo();
        if (exception is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted })
        {
            // The socket found a violation (1002) or bad UTF-8 in a frame (1007), sent the close frame itself and
            // aborted. Which of the two it sent is not exposed, so the status is left unknown.
            Log.ProtocolError(logger, exception, connection.Id);
            TryRequest(WebSocketCloseStatus.ProtocolError, null, WebSocketCloseReason.ProtocolError);
            return new WebSocketCloseInfo(null, exception.Message, WebSocketCloseReason.ProtocolError);
        }
        if (exception is ConnectionAbortedException && keepAliveTimeoutEnabled)
        {
            // Aborted from inside the process without a close of ours: the socket's keep-alive gave up on the peer.
            TryRequest(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.TimedOut);
            return new WebSocketCloseInfo(null, "No answer to keep-alive pings", WebSocketCloseReason.TimedOut);
        }
        TryRequest(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.Aborted);
        return new WebSocketCloseInfo(null, null, WebSocketCloseReason.Aborted);
    }

    /// <summary>
    /// Fails the connection: queued messages go out first, then the close frame; then waits (bounded by the deadline)
    /// for the peer's close frame, discarding whatever else it sends, so that the close frame is not lost to a TCP
    /// reset caused by unread data.
    /// </summary>
    public async Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason, Memory<byte> scratch)
    {
        TryRequest(status, description, reason);
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception)
        {
            // The peer went away or the deadline aborted the socket: the close is over either way.
        }
        return Request!.ToCloseInfo();
    }

    /// <summary>The connection is over: the deadline is no longer needed, and a late request starts none.</summary>
    public void End()
    {
        Volatile.Write(ref _ended, true);
        Volatile.Read(ref _deadline)?.Dispose();
    }
}

/// <summary>A close the server asked for: the status and description to send, and why.</summary>
internal sealed record CloseRequest(WebSocketCloseStatus Status, string? Description, WebSocketCloseReason Reason)
{
    public WebSocketCloseInfo ToCloseInfo() => new(Status, Description, Reason);
}
