using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// Runs one accepted connection: OnOpen, the receive loop (one message at a time, in arrival order),
/// the close handshake and OnClose exactly once.
/// </summary>
internal sealed class WebSocketSession(
    WebSocket socket,
    ServerWebSocketConnection connection,
    WebSocketEndpointHandler handler,
    WebSocketEndpointOptions options,
    WebSocketEndpointSettings settings,
    ILogger logger,
    WebSocketEndpointMetrics metrics,
    KeyValuePair<string, object?> endpointTag)
{
    private readonly string _endpointName = settings.Name;
    private readonly int _maxMessageSize = settings.MaxMessageSize > 0 ? settings.MaxMessageSize : options.MaxMessageSize;
    private readonly int _receiveBufferSize = Math.Max(16, options.ReceiveBufferSize);

    // Grows to hold a large message and shrinks back after it, so idle connections stay small.
    private byte[] _buffer = [];

    // Restarted by every message; when it fires the connection has been idle too long.
    private ITimer? _idleTimer;

    private readonly RateLimiter? _rateLimiter = CreateRateLimiter(options.MessageRateLimit);

    // Host shutdown lets a running callback finish (bounded) before the close, instead of cutting it off.
    private volatile bool _stopping;
    private int _inCallback;
    private ITimer? _shutdownTimer;

    /// <summary>Runs the connection to its end and says how it ended.</summary>
    public async Task<WebSocketCloseInfo> RunAsync()
    {
        if (options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleTimer = TimeProvider.System.CreateTimer(
                static state => ((ServerWebSocketConnection)state!).RequestClose(WebSocketCloseStatus.NormalClosure, "Idle timeout", WebSocketCloseReason.TimedOut),
                connection, options.IdleTimeout, Timeout.InfiniteTimeSpan);
        }
        bool opened;
        try
        {
            EnterCallback();
            await handler.OnOpenAsync().ConfigureAwait(false);
            opened = true;
        }
        catch (Exception exception)
        {
            // The connection never opened: no OnError or OnClose, because there is no state to give them.
            Log.OnOpenFailed(logger, exception, connection.Id, _endpointName);
            opened = false;
        }
        finally
        {
            LeaveCallback();
        }

        _buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
        WebSocketCloseInfo close;
        try
        {
            if (opened)
            {
                Log.Opened(logger, connection.Id, _endpointName);
                close = await ReceiveMessagesAsync().ConfigureAwait(false);
            }
            else
            {
                close = await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
            }
            await connection.PumpCompletion.ConfigureAwait(false);
        }
        finally
        {
            _idleTimer?.Dispose();
            _shutdownTimer?.Dispose();
            _rateLimiter?.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            connection.MarkEnded();
        }

        Log.Closed(logger, connection.Id, _endpointName, close.Reason, close.Status);
        if (!opened) return close;
        try
        {
            await handler.OnCloseAsync(close).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.OnCloseFailed(logger, exception, connection.Id, _endpointName);
        }
        return close;
    }

    private async Task<WebSocketCloseInfo> ReceiveMessagesAsync()
    {
        var count = 0;
        while (true)
        {
            var limit = Math.Min(_buffer.Length, _maxMessageSize + 1);
            if (count == limit) limit = Grow(count);

            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(_buffer.AsMemory(count, limit - count), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                return ReceiveFailed(exception);
            }

            if (result.MessageType == WebSocketMessageType.Close) return CloseFrameReceived();

            count += result.Count;
            if (count > _maxMessageSize)
            {
                return await FailAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", WebSocketCloseReason.MessageTooBig).ConfigureAwait(false);
            }
            if (!result.EndOfMessage) continue;

            var message = _buffer.AsMemory(0, count);
            count = 0;
            metrics.MessagesReceived.Add(1, endpointTag);
            metrics.BytesReceived.Add(message.Length, endpointTag);
            _idleTimer?.Change(options.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (connection.CloseRequested is not null) continue; // closing: late messages are dropped
            if (_rateLimiter is not null)
            {
                using var lease = _rateLimiter.AttemptAcquire();
                if (!lease.IsAcquired)
                {
                    if (options.MessageRateLimit!.Policy == MessageRateLimitPolicy.Drop) continue;
                    return await FailAsync(WebSocketCloseStatus.PolicyViolation, "Message rate limit exceeded", WebSocketCloseReason.PolicyViolation).ConfigureAwait(false);
                }
            }

            string? text = null;
            if (result.MessageType == WebSocketMessageType.Text)
            {
                // Checked on the whole message: the socket's own per-frame check misses some cases.
                if (!Utf8.IsValid(message.Span))
                {
                    return await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in text message", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
                }
                if (!handler.AcceptsText)
                {
                    return await FailAsync(WebSocketCloseStatus.InvalidMessageType, "Text messages are not accepted", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
                }
                text = Encoding.UTF8.GetString(message.Span);
            }
            else if (!handler.AcceptsBinary)
            {
                return await FailAsync(WebSocketCloseStatus.InvalidMessageType, "Binary messages are not accepted", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
            }

            Exception? callbackError = null;
            var started = metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            EnterCallback();
            try
            {
                await (text is null ? handler.OnBinaryAsync(message) : handler.OnTextAsync(text)).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                callbackError = exception;
            }
            LeaveCallback();
            RecordDuration(started);

            if (callbackError is not null)
            {
                await ReportErrorAsync(callbackError).ConfigureAwait(false);
                return await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
            }

            // A big message grew the buffer; give the memory back.
            if (_buffer.Length > _receiveBufferSize * 4)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
            }
        }
    }

    private static TokenBucketRateLimiter? CreateRateLimiter(WebSocketMessageRateLimit? limit)
    {
        if (limit is null) return null;
        // Refill one token at a time up to 100 times a second; faster rates refill in steps every 10 ms.
        var perStep = Math.Max(1, limit.MessagesPerSecond / 100);
        var period = TimeSpan.FromSeconds((double)perStep / limit.MessagesPerSecond);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = perStep,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private int Grow(int count)
    {
        var newSize = (int)Math.Min((long)_buffer.Length * 2, (long)_maxMessageSize + 1);
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, count).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
        return Math.Min(larger.Length, _maxMessageSize + 1);
    }

    private WebSocketCloseInfo CloseFrameReceived()
    {
        var requested = connection.CloseRequested;
        if (requested is not null)
        {
            // The client answered the server's close: the server's reason stands.
            return new WebSocketCloseInfo(requested.Status, requested.Description, requested.Reason);
        }
        var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
        var description = socket.CloseStatusDescription;
        // Echo the client's status, as RFC 6455 (5.5.1) asks; 1005 (no status) cannot be sent, so answer 1000.
        var echo = status == WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status;
        connection.RequestClose(echo, description, WebSocketCloseReason.ClientClosed);
        return new WebSocketCloseInfo(socket.CloseStatus, description, WebSocketCloseReason.ClientClosed);
    }

    private WebSocketCloseInfo ReceiveFailed(Exception exception)
    {
        var requested = connection.CloseRequested;
        if (requested is not null)
        {
            // The server was closing and the peer did not finish the handshake in time (or went away).
            return new WebSocketCloseInfo(requested.Status, requested.Description, requested.Reason);
        }
        if (exception is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted })
        {
            // The socket found a violation (1002) or bad UTF-8 in a frame (1007), sent the close frame itself and
            // aborted. Which of the two it sent is not exposed, so the status is left unknown.
            Log.ProtocolError(logger, exception, connection.Id, _endpointName);
            connection.RequestClose(WebSocketCloseStatus.ProtocolError, null, WebSocketCloseReason.ProtocolError);
            return new WebSocketCloseInfo(null, exception.Message, WebSocketCloseReason.ProtocolError);
        }
        if (exception is ConnectionAbortedException && options.KeepAliveTimeout != Timeout.InfiniteTimeSpan)
        {
            // Aborted from inside the process without a close of ours: the socket's keep-alive gave up on the peer.
            connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.TimedOut);
            return new WebSocketCloseInfo(null, "No answer to keep-alive pings", WebSocketCloseReason.TimedOut);
        }
        connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.Aborted);
        return new WebSocketCloseInfo(null, null, WebSocketCloseReason.Aborted);
    }

    /// <summary>
    /// Fails the connection: queued messages go out first, then the close frame; then waits (bounded by the
    /// close deadline) for the client's close frame, discarding whatever else it sends, so that the close
    /// frame is not lost to a TCP reset caused by unread data.
    /// </summary>
    private async Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason)
    {
        connection.RequestClose(status, description, reason);
        var requested = connection.CloseRequested!;
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(_buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception)
        {
            // The peer went away or the deadline aborted the socket: the close is over either way.
        }
        return new WebSocketCloseInfo(requested.Status, requested.Description, requested.Reason);
    }

    /// <summary>
    /// The host is stopping: close with 1001 now, or, if a callback is running, as soon as it returns. A callback
    /// still running after the close timeout is logged and the close goes ahead.
    /// </summary>
    public void OnHostStopping()
    {
        _stopping = true;
        if (Volatile.Read(ref _inCallback) == 0)
        {
            CloseForShutdown();
            return;
        }
        _shutdownTimer = TimeProvider.System.CreateTimer(
            static state => ((WebSocketSession)state!).CallbackOutlivedShutdown(), this, options.CloseTimeout, Timeout.InfiniteTimeSpan);
    }

    private void CallbackOutlivedShutdown()
    {
        Log.CallbackOutlivedShutdown(logger, connection.Id, _endpointName);
        CloseForShutdown();
    }

    private void CloseForShutdown()
        => connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseReason.ServerShutdown);

    private void EnterCallback() => Volatile.Write(ref _inCallback, 1);

    private void LeaveCallback()
    {
        Volatile.Write(ref _inCallback, 0);
        if (_stopping) CloseForShutdown();
    }

    private void RecordDuration(long started)
    {
        if (started != 0) metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, endpointTag);
    }

    private async ValueTask ReportErrorAsync(Exception error)
    {
        metrics.Errors.Add(1, endpointTag);
        Log.CallbackFailed(logger, error, connection.Id, _endpointName);
        try
        {
            await handler.OnErrorAsync(error).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.OnErrorFailed(logger, exception, connection.Id, _endpointName);
        }
    }
}
