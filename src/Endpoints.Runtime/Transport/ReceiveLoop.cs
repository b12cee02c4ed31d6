using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Unicode;
using Endpoints.Runtime.Generated;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// Runs one accepted connection: OnOpen, then every message in arrival order, one at a time, into the generated
/// handler; then OnClose exactly once. Ends through the <see cref="CloseHandshake"/>, whatever the reason.
/// </summary>
internal sealed class ReceiveLoop
{
    private readonly WebSocket _socket;
    private readonly ServerWebSocketConnection _connection;
    private readonly CloseHandshake _close;
    private readonly WebSocketEndpointHandler _handler;
    private readonly WebSocketEndpointOptions _options;
    private readonly string _endpointName;
    private readonly ILogger _logger;
    private readonly WebSocketEndpointMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?> _endpointTag;
    private readonly int _maxMessageSize;
    private readonly int _receiveBufferSize;
    private readonly MessageRateLimiter? _rateLimiter;

    // Grows to hold a large message and shrinks back after it, so idle connections stay small.
    private byte[] _buffer = [];

    // Restarted by every message; when it fires the connection has been idle too long.
    private ITimer? _idleTimer;

    // Host shutdown lets a running callback finish (bounded) before the close, instead of cutting it off.
    private volatile bool _stopping;
    private int _inCallback;
    private ITimer? _shutdownTimer;

    public ReceiveLoop(WebSocket socket, ServerWebSocketConnection connection, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings,
        EndpointServices services, KeyValuePair<string, object?> endpointTag)
    {
        _socket = socket;
        _connection = connection;
        _close = connection.CloseHandshake;
        _handler = handler;
        _options = services.Options;
        _endpointName = settings.Name;
        _logger = services.Logger;
        _metrics = services.Metrics;
        _time = services.Time;
        _endpointTag = endpointTag;
        _maxMessageSize = settings.MaxMessageSize > 0 ? settings.MaxMessageSize : _options.MaxMessageSize;
        _receiveBufferSize = Math.Max(16, _options.ReceiveBufferSize);
        _rateLimiter = _options.MessageRateLimit is { } limit ? new MessageRateLimiter(limit, _time) : null;
    }

    /// <summary>Runs the connection to its end and says how it ended.</summary>
    public async Task<WebSocketCloseInfo> RunAsync()
    {
        if (_options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleTimer = _time.CreateTimer(
                static state => ((CloseHandshake)state!).TryRequest(WebSocketCloseStatus.NormalClosure, "Idle timeout", WebSocketCloseReason.TimedOut),
                _close, _options.IdleTimeout, Timeout.InfiniteTimeSpan);
        }
        bool opened;
        try
        {
            EnterCallback();
            await _handler.OnOpenAsync().ConfigureAwait(false);
            opened = true;
        }
        catch (Exception exception)
        {
            // The connection never opened: no OnError or OnClose, because there is no state to give them.
            Log.OnOpenFailed(_logger, exception, _connection.Id, _endpointName);
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
                Log.Opened(_logger, _connection.Id, _endpointName);
                close = await ReceiveMessagesAsync().ConfigureAwait(false);
            }
            else
            {
                close = await _close.FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error, _buffer).ConfigureAwait(false);
            }
            await _connection.Transmitter.Completion.ConfigureAwait(false);
        }
        finally
        {
            _idleTimer?.Dispose();
            _shutdownTimer?.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _connection.MarkEnded();
        }

        Log.Closed(_logger, _connection.Id, _endpointName, close.Reason, close.Status);
        if (!opened) return close;
        try
        {
            await _handler.OnCloseAsync(close).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.OnCloseFailed(_logger, exception, _connection.Id, _endpointName);
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
                result = await _socket.ReceiveAsync(_buffer.AsMemory(count, limit - count), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                return _close.ReceiveFailed(exception, _options.KeepAliveTimeout != Timeout.InfiniteTimeSpan);
            }

            if (result.MessageType == WebSocketMessageType.Close) return _close.PeerClosed();

            count += result.Count;
            if (count > _maxMessageSize) return await FailAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", WebSocketCloseReason.MessageTooBig).ConfigureAwait(false);
            if (!result.EndOfMessage) continue;

            var message = _buffer.AsMemory(0, count);
            count = 0;
            _metrics.MessagesReceived.Add(1, _endpointTag);
            _metrics.BytesReceived.Add(message.Length, _endpointTag);
            _idleTimer?.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (_close.IsRequested) continue; // closing: late messages are dropped
            if (_rateLimiter is not null && !_rateLimiter.TryAcquire())
            {
                if (_rateLimiter.Policy == MessageRateLimitPolicy.Drop) continue;
                return await FailAsync(WebSocketCloseStatus.PolicyViolation, "Message rate limit exceeded", WebSocketCloseReason.PolicyViolation).ConfigureAwait(false);
            }

            var isText = result.MessageType == WebSocketMessageType.Text;
            if (isText)
            {
                // Checked on the whole message: the socket's own per-frame check misses some cases.
                if (!Utf8.IsValid(message.Span)) return await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in text message", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
                if (!_handler.AcceptsText) return await FailAsync(WebSocketCloseStatus.InvalidMessageType, "Text messages are not accepted", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
            }
            else if (!_handler.AcceptsBinary)
            {
                return await FailAsync(WebSocketCloseStatus.InvalidMessageType, "Binary messages are not accepted", WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
            }

            Exception? callbackError = null;
            var started = _metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            EnterCallback();
            try
            {
                await (isText ? _handler.OnTextAsync(message) : _handler.OnBinaryAsync(message)).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                callbackError = exception;
            }
            LeaveCallback();
            if (started != 0) _metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _endpointTag);

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

    private Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason)
        => _close.FailAsync(status, description, reason, _buffer);

    private int Grow(int count)
    {
        var newSize = (int)Math.Min((long)_buffer.Length * 2, (long)_maxMessageSize + 1);
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, count).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
        return Math.Min(larger.Length, _maxMessageSize + 1);
    }

    /// <summary>
    /// The host is stopping: close with 1001 now, or, if a callback is running, as soon as it returns. A callback still
    /// running after the close timeout is logged and the close goes ahead.
    /// </summary>
    public void OnHostStopping()
    {
        _stopping = true;
        if (Volatile.Read(ref _inCallback) == 0)
        {
            CloseForShutdown();
            return;
        }
        _shutdownTimer = _time.CreateTimer(static state => ((ReceiveLoop)state!).CallbackOutlivedShutdown(), this, _options.CloseTimeout, Timeout.InfiniteTimeSpan);
    }

    private void CallbackOutlivedShutdown()
    {
        Log.CallbackOutlivedShutdown(_logger, _connection.Id, _endpointName);
        CloseForShutdown();
    }

    private void CloseForShutdown()
        => _close.TryRequest(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseReason.ServerShutdown);

    private void EnterCallback() => Volatile.Write(ref _inCallback, 1);

    private void LeaveCallback()
    {
        Volatile.Write(ref _inCallback, 0);
        if (_stopping) CloseForShutdown();
    }

    private async ValueTask ReportErrorAsync(Exception error)
    {
        _metrics.Errors.Add(1, _endpointTag);
        Log.CallbackFailed(_logger, error, _connection.Id, _endpointName);
        try
        {
            await _handler.OnErrorAsync(error).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.OnErrorFailed(_logger, exception, _connection.Id, _endpointName);
        }
    }
}
