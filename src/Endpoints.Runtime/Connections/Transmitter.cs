using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// The send side of one connection: the bounded outbox, the pump that drains it, and the one decision every send
/// goes through (<see cref="TryWriteNow"/>): write directly when nothing is queued and the socket is free, else queue.
/// The outbox and its pump are created on first use, so a connection whose sends all go out directly has neither.
/// </summary>
internal sealed class Transmitter(
    ServerWebSocketConnection connection,
    WebSocket socket,
    CloseHandshake close,
    int capacity,
    OutboxFullPolicy fullPolicy,
    ILogger logger,
    WebSocketEndpointMetrics metrics,
    KeyValuePair<string, object?> endpointTag)
{
    private readonly SendLock _lock = new();
    private Channel<OutboundFrame>? _outbox;
    private Task _pump = Task.CompletedTask;
    // Frames in the outbox, kept apart because the channel's own count takes a lock.
    private int _queued;

    /// <summary>Completes when the pump has stopped: queued frames and the close frame written, or the socket failed.</summary>
    public Task Completion => Volatile.Read(ref _pump);

    /// <summary>Sends and completes when the frame was written; throws if it could not be.</summary>
    public ValueTask SendAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (TryWriteNow(message, out var write)) return write;
        return new ValueTask(SendQueuedAsync(message, cancellationToken));
    }

    /// <summary>Queues without waiting for the write; waits for room when the outbox is full (unless the policy closes).</summary>
    public ValueTask EnqueueAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (TryWriteNow(message, out var write))
        {
            Observe(write);
            return default;
        }
        return QueueAsync(new OutboundFrame(message, null), cancellationToken);
    }

    /// <summary>Queues without waiting at all; false when the outbox is full or closed (a full one closes a slow consumer under that policy).</summary>
    public bool TryEnqueue(WebSocketMessage message)
    {
        if (TryWriteNow(message, out var write))
        {
            Observe(write);
            return true;
        }
        if (TryQueue(new OutboundFrame(message, null))) return true;
        if (fullPolicy == OutboxFullPolicy.Close && !close.IsRequested) CloseSlowConsumer();
        return false;
    }

    /// <summary>Whether a non-waiting send could queue now (for <c>WaitToWriteAsync</c>).</summary>
    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken) => Outbox().Writer.WaitToWriteAsync(cancellationToken);

    /// <summary>The close was requested: take no more messages; the pump sends what is queued, then the close frame.</summary>
    public void CompleteOutbox() => Outbox().Writer.TryComplete();

    /// <summary>
    /// The one place that decides how a frame goes out: directly, when nothing is queued (so a thread's messages keep
    /// their order), no close was requested and no one else is writing; otherwise the caller queues it. Frames are
    /// counted before they enter the outbox and stay counted until the pump holds the send lock, so a zero count
    /// means nothing is waiting to go out before this message.
    /// </summary>
    private bool TryWriteNow(WebSocketMessage message, out ValueTask write)
    {
        if (Volatile.Read(ref _queued) != 0 || close.IsRequested || !_lock.TryTake())
        {
            write = default;
            return false;
        }
        write = WriteDirect(message);
        return true;
    }

    private async Task SendQueuedAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await QueueAsync(new OutboundFrame(message, written), cancellationToken).ConfigureAwait(false);
        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask QueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        if (TryQueue(frame)) return;
        if (close.IsRequested) throw NotOpen();
        if (fullPolicy == OutboxFullPolicy.Close)
        {
            CloseSlowConsumer();
            throw new WebSocketException(WebSocketError.InvalidState, "The client reads too slowly: its outbox is full, so the connection is being closed.");
        }
        // Counted before it is in the outbox (see TryQueue), given back if it never gets there.
        Interlocked.Increment(ref _queued);
        try
        {
            await Outbox().Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Decrement(ref _queued);
            if (exception is ChannelClosedException) throw NotOpen();
            throw;
        }
        metrics.OutboxDepth.Add(1, endpointTag);
    }

    /// <summary>
    /// Puts a frame in the outbox without waiting. It is counted first, so that the count is never below what the
    /// outbox holds: counted after, another thread's late count could hide this frame, and a later message from this
    /// thread would be written directly ahead of it.
    /// </summary>
    private bool TryQueue(OutboundFrame frame)
    {
        Interlocked.Increment(ref _queued);
        if (Outbox().Writer.TryWrite(frame))
        {
            metrics.OutboxDepth.Add(1, endpointTag);
            return true;
        }
        Interlocked.Decrement(ref _queued);
        return false;
    }

    private void CloseSlowConsumer()
        => close.TryRequest(WebSocketCloseStatus.PolicyViolation, "Slow consumer", WebSocketCloseReason.PolicyViolation);

    /// <summary>The outbox, created with its pump on first use.</summary>
    private Channel<OutboundFrame> Outbox()
    {
        var channel = Volatile.Read(ref _outbox);
        if (channel is not null) return channel;
        channel = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (Interlocked.CompareExchange(ref _outbox, channel, null) is { } existing) return existing;
        Volatile.Write(ref _pump, PumpAsync(channel));
        return channel;
    }

    /// <summary>Writes while holding the send lock; completes synchronously when the transport takes the bytes at once.</summary>
    private ValueTask WriteDirect(WebSocketMessage message)
    {
        ValueTask write;
        try
        {
            write = WriteAsync(message);
        }
        catch (Exception exception)
        {
            _lock.Release();
            return ValueTask.FromException(SendFailed(exception));
        }
        if (!write.IsCompletedSuccessfully) return AwaitWriteDirectAsync(write, message);
        write.GetAwaiter().GetResult();
        _lock.Release();
        CountSent(message);
        return default;
    }

    private async ValueTask AwaitWriteDirectAsync(ValueTask write, WebSocketMessage message)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _lock.Release();
            throw SendFailed(exception);
        }
        _lock.Release();
        CountSent(message);
    }

    private async Task PumpAsync(Channel<OutboundFrame> outbox)
    {
        // Let the caller go on before the pump's first wait.
        await Task.Yield();
        var reader = outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await _lock.TakeForPumpAsync().ConfigureAwait(false);
                try
                {
                    while (reader.TryRead(out var frame))
                    {
                        Interlocked.Decrement(ref _queued);
                        metrics.OutboxDepth.Add(-1, endpointTag);
                        try
                        {
                            await WriteAsync(frame.Message).ConfigureAwait(false);
                        }
                        catch (Exception exception)
                        {
                            frame.Written?.TrySetException(exception);
                            throw;
                        }
                        frame.Written?.TrySetResult();
                        CountSent(frame.Message);
                    }
                }
                finally
                {
                    _lock.Release();
                }
            }

            // The outbox was completed by a close request: the close frame goes after the queued messages.
            await _lock.TakeForPumpAsync().ConfigureAwait(false);
            try
            {
                await close.WriteFrameAsync().ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }
        catch (Exception exception)
        {
            Log.SendFailed(logger, exception, connection.Id);
            outbox.Writer.TryComplete();
            connection.Abort();
            while (reader.TryRead(out var frame))
            {
                Interlocked.Decrement(ref _queued);
                metrics.OutboxDepth.Add(-1, endpointTag);
                frame.Written?.TrySetException(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection failed before the message was sent.", exception));
            }
        }
        finally
        {
            close.FrameDone();
        }
    }

    private ValueTask WriteAsync(WebSocketMessage message)
    {
        if (message.MessageType == WebSocketMessageType.Binary)
        {
            return socket.SendAsync(message.Binary, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        return WriteTextAsync(message.Text!);
    }

    private async ValueTask WriteTextAsync(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A write failed: the connection cannot go on. Returns what the sender should see.</summary>
    private Exception SendFailed(Exception exception)
    {
        Log.SendFailed(logger, exception, connection.Id);
        connection.Abort();
        return exception is WebSocketException ? exception : NotOpen(exception);
    }

    private void CountSent(WebSocketMessage message)
    {
        metrics.MessagesSent.Add(1, endpointTag);
        if (metrics.BytesSent.Enabled)
        {
            metrics.BytesSent.Add(message.MessageType == WebSocketMessageType.Binary ? message.Binary.Length : Encoding.UTF8.GetByteCount(message.Text!), endpointTag);
        }
    }

    // A write the caller does not wait for: a failure has already dropped the connection, so it is only observed.
    private static void Observe(ValueTask write)
    {
        if (write.IsCompleted)
        {
            if (!write.IsCompletedSuccessfully) _ = write.AsTask().Exception;
            return;
        }
        _ = ObserveAsync(write);

        static async Task ObserveAsync(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Logged by SendFailed.
            }
        }
    }

    private static WebSocketException NotOpen(Exception? inner = null)
        => new(WebSocketError.InvalidState, "The WebSocket connection is closing or closed; the message was not sent.", inner);
}

/// <summary>A queued message and, for an awaited send, what to complete once it is written.</summary>
internal readonly record struct OutboundFrame(WebSocketMessage Message, TaskCompletionSource? Written);
