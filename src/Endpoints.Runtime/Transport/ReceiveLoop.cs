using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using System.Text;
using Endpoints.Runtime.Generated;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// Runs one accepted connection: OnOpen, then every message in arrival order, one at a time, into the generated
/// handler; then OnClose exactly once. Ends through the <see cref="CloseHandshake"/>, whatever the reason.
/// </summary>
internal sealed class ReceiveLoop
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly FrameReader _reader;
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
    private readonly long _maxStreamedMessageSize;
    private readonly int _receiveBufferSize;
    private readonly MessageRateLimiter? _rateLimiter;

    // The size of the last message assembled from pieces: the next one's buffer starts there, not small and growing.
    private int _sizeHint;

    // Restarted by every message; when it fires the connection has been idle too long.
    private ITimer? _idleTimer;

    // Host shutdown lets a running callback finish (bounded) before the close, instead of cutting it off.
    private volatile bool _stopping;
    private int _inCallback;
    private ITimer? _shutdownTimer;

    public ReceiveLoop(ServerWebSocketConnection connection, WebSocketEndpointHandler handler, WebSocketEndpointSettings settings,
        EndpointServices services, KeyValuePair<string, object?> endpointTag)
    {
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
        _maxStreamedMessageSize = settings.MaxStreamedMessageSize > 0 ? settings.MaxStreamedMessageSize : _options.MaxStreamedMessageSize;
        _receiveBufferSize = Math.Max(16, _options.ReceiveBufferSize);
        _rateLimiter = _options.MessageRateLimit is { } limit ? new MessageRateLimiter(limit, _time) : null;
        _reader = new FrameReader(connection.Stream, _receiveBufferSize, connection, connection.Deflate is null ? null : new MessageInflater());
    }

    /// <summary>The connection's span, if spans are listened to; ended with the connection.</summary>
    public Activity? Activity { get; init; }

    /// <summary>Runs the connection to its end (then counts, traces and releases it) and says how it ended.</summary>
    public async Task<WebSocketCloseInfo> RunAsync()
    {
        // One state machine for the whole connection: an idle connection holds nothing more while it waits.
        WebSocketCloseInfo? result = null;
        try
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

            WebSocketCloseInfo close;
            try
            {
                if (opened)
                {
                    Log.Opened(_logger, _connection.Id, _endpointName);
                    // The message loop is written here rather than in a method of its own: an idle connection then holds
                    // one state machine less while it waits.
                    while (true)
                    {
                        // Parks without a buffer until the next message (control frames are handled on the way).
                        var signal = await _reader.NextMessageAsync().ConfigureAwait(false);
                        if (signal != ReadSignal.Data)
                        {
                            close = await InputEndedAsync(signal).ConfigureAwait(false);
                            break;
                        }
                        _idleTimer?.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);

                        var text = _reader.MessageType == WebSocketMessageType.Text;
                        if (_close.IsRequested)
                        {
                            // Closing: late messages are dropped.
                            var skipped = await SkipAsync().ConfigureAwait(false);
                            if (skipped.Signal != ReadSignal.Data)
                            {
                                close = await InputEndedAsync(skipped.Signal).ConfigureAwait(false);
                                break;
                            }
                            continue;
                        }
                        var streamed = text ? _handler.StreamsText : _handler.StreamsBinary;
                        if (!streamed && !(text ? _handler.AcceptsText : _handler.AcceptsBinary))
                        {
                            close = await FailAsync(WebSocketCloseStatus.InvalidMessageType, text ? "Text messages are not accepted" : "Binary messages are not accepted",
                                WebSocketCloseReason.ProtocolError).ConfigureAwait(false);
                            break;
                        }
                        if (_rateLimiter is not null && !_rateLimiter.TryAcquire())
                        {
                            if (_rateLimiter.Policy == MessageRateLimitPolicy.Close)
                            {
                                close = await FailAsync(WebSocketCloseStatus.PolicyViolation, "Message rate limit exceeded", WebSocketCloseReason.PolicyViolation).ConfigureAwait(false);
                                break;
                            }
                            var skipped = await SkipAsync().ConfigureAwait(false);
                            if (skipped.Signal != ReadSignal.Data)
                            {
                                close = await InputEndedAsync(skipped.Signal).ConfigureAwait(false);
                                break;
                            }
                            continue;
                        }

                        var outcome = streamed ? await ReceiveStreamedAsync(text).ConfigureAwait(false) : await ReceiveWholeAsync(text).ConfigureAwait(false);
                        if (outcome is { } ended)
                        {
                            close = ended;
                            break;
                        }
                    }
                }
                else
                {
                    close = await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
                }
                await _connection.Transmitter.Completion.ConfigureAwait(false);
            }
            finally
            {
                _idleTimer?.Dispose();
                _shutdownTimer?.Dispose();
                _reader.Dispose();
                // Out of every group before OnClose, so what OnClose tells the others does not go to this connection.
                _connection.Unregister();
                _connection.MarkEnded();
            }

            Log.Closed(_logger, _connection.Id, _endpointName, close.Reason, close.Status);
            if (!opened) return (result = close).Value;
            try
            {
                await _handler.OnCloseAsync(close).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Log.OnCloseFailed(_logger, exception, _connection.Id, _endpointName);
            }
            return (result = close).Value;
        }
        finally
        {
            WebSocketEndpointUpgrade.Ended(_connection, _metrics, _endpointTag, Activity, result);
        }
    }

    /// <summary>A whole message: handed over without a copy when it arrived in one piece, else assembled up to the limit.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> ReceiveWholeAsync(bool text)
    {
        if (_reader.TryTakeWholeMessage(out var whole))
        {
            if (whole.Length > _maxMessageSize) return await TooBigAsync().ConfigureAwait(false);
            if (text && !Utf8.IsValid(whole.Span)) return await InvalidUtf8Async().ConfigureAwait(false);
            return await DispatchAsync(text, whole).ConfigureAwait(false);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_maxMessageSize + 1, Math.Max(_receiveBufferSize, _sizeHint)));
        try
        {
            var utf8 = default(Utf8Validator);
            var count = 0;
            while (true)
            {
                if (count == buffer.Length) buffer = Grow(buffer, count);
                var read = await _reader.ReadPayloadAsync(buffer.AsMemory(count, Math.Min(buffer.Length, _maxMessageSize + 1) - count)).ConfigureAwait(false);
                if (read.Signal != ReadSignal.Data) return await InputEndedAsync(read.Signal).ConfigureAwait(false);
                // Checked as it arrives: a bad byte closes the connection at once, not when the message ends.
                if (text && !utf8.Validate(buffer.AsSpan(count, read.Count), read.EndOfMessage)) return await InvalidUtf8Async().ConfigureAwait(false);
                count += read.Count;
                if (count > _maxMessageSize) return await TooBigAsync().ConfigureAwait(false);
                if (read.EndOfMessage) break;
            }
            _sizeHint = count;
            return await DispatchAsync(text, buffer.AsMemory(0, count)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private byte[] Grow(byte[] buffer, int count)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)_maxMessageSize + 1));
        buffer.AsSpan(0, count).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> DispatchAsync(bool text, ReadOnlyMemory<byte> message)
    {
        _metrics.MessagesReceived.Add(1, _endpointTag);
        _metrics.BytesReceived.Add(message.Length, _endpointTag);
        Exception? callbackError = null;
        var started = _metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        EnterCallback();
        try
        {
            await (text ? _handler.OnTextAsync(message) : _handler.OnBinaryAsync(message)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            callbackError = exception;
        }
        LeaveCallback();
        if (started != 0) _metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _endpointTag);
        return callbackError is null ? null : await CallbackFailedAsync(callbackError).ConfigureAwait(false);
    }

    /// <summary>A streamed message: the callback reads it while it arrives; what it leaves unread is skipped.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> ReceiveStreamedAsync(bool text)
    {
        using var stream = new IncomingMessageStream(_reader, text, _maxStreamedMessageSize);
        Exception? callbackError = null;
        var started = _metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        EnterCallback();
        try
        {
            if (text)
            {
                using var textReader = new StreamReader(stream, s_utf8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                await _handler.OnTextStreamAsync(textReader).ConfigureAwait(false);
            }
            else
            {
                await _handler.OnBinaryStreamAsync(stream).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            callbackError = exception;
        }
        LeaveCallback();
        stream.Detach();
        if (started != 0) _metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _endpointTag);

        // A fault is the peer's doing (too big, bad UTF-8, gone), even if the callback threw because of it.
        if (stream.Fault == StreamFault.None && callbackError is not null) return await CallbackFailedAsync(callbackError).ConfigureAwait(false);
        if (stream.Fault == StreamFault.None && !stream.Completed)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                await stream.SkipRestAsync(scratch).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        switch (stream.Fault)
        {
            case StreamFault.TooBig:
                return await TooBigAsync().ConfigureAwait(false);
            case StreamFault.InvalidUtf8:
                return await InvalidUtf8Async().ConfigureAwait(false);
            case StreamFault.InputEnded:
                return await InputEndedAsync(stream.EndSignal).ConfigureAwait(false);
        }
        _metrics.MessagesReceived.Add(1, _endpointTag);
        _metrics.BytesReceived.Add(stream.MessageLength, _endpointTag);
        return null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PayloadRead> SkipAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            return await _reader.SkipMessageAsync(scratch).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private Task<WebSocketCloseInfo> TooBigAsync() => FailAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", WebSocketCloseReason.MessageTooBig);

    private Task<WebSocketCloseInfo> InvalidUtf8Async()
        => FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in text message", WebSocketCloseReason.ProtocolError);

    private async Task<WebSocketCloseInfo> CallbackFailedAsync(Exception error)
    {
        await ReportErrorAsync(error).ConfigureAwait(false);
        return await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
    }

    private Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason)
        => _close.FailAsync(status, description, reason, _reader);

    /// <summary>The input ended: the peer's close frame, a protocol error, or the end of the connection.</summary>
    private async Task<WebSocketCloseInfo> InputEndedAsync(ReadSignal signal)
    {
        switch (signal)
        {
            case ReadSignal.PeerClosed:
                return _close.PeerClosed(_reader.PeerCloseStatus, _reader.PeerCloseDescription);
            case ReadSignal.ProtocolError:
                Log.ProtocolError(_logger, _connection.Id, _reader.FailureDescription ?? "");
                return await _close.FailProtocolAsync(_reader.FailureStatus, _reader.FailureDescription ?? "Protocol error", _reader).ConfigureAwait(false);
            default:
                return _close.InputEnded(_reader.EndedBy, _connection.KeepAliveTimedOut);
        }
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
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
