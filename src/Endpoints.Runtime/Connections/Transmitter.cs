using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// The send side of one connection: the bounded outbox, the pump that drains it, and the one decision every send
/// goes through (<see cref="TryWriteNow"/>): write directly when nothing is queued and the socket is free, else queue.
/// The outbox and its pump are created on first use, so a connection whose sends all go out directly has neither.
/// </summary>
internal sealed class Transmitter
{
    private readonly ServerWebSocketConnection _connection;
    private readonly FrameWriter _writer;
    private readonly CloseHandshake _close;
    // On an endpoints.v1 connection a message without a header of its own still starts with the header's line feed.
    private readonly byte[]? _noHeader;

    /// <summary>The connection's send side, and its close handshake, which the transmitter finishes with the close frame.</summary>
    public Transmitter(ServerWebSocketConnection connection, FrameWriter writer)
    {
        _connection = connection;
        _writer = writer;
        _close = new CloseHandshake(connection, this);
        _noHeader = Envelope.IsNegotiated(connection.SubProtocol) ? Envelope.NoHeader : null;
    }

    /// <summary>The connection's close handshake: the transmitter writes its frame after the queued messages.</summary>
    public CloseHandshake Close => _close;

    // Not readonly: a struct whose state changes in place.
    private SendLock _lock;

    private MappedEndpoint Endpoint => _connection.Endpoint;
    private Channel<OutboundFrame>? _outbox;
    private Task _pump = Task.CompletedTask;
    // Frames in the outbox, kept apart because the channel's own count takes a lock.
    private int _queued;
    // A streamed send failed after its first fragment: only control frames may follow.
    private bool _messageLeftUnfinished;
    // While a streamed send holds the connection: the control frames to write between its fragments.
    private StreamControls? _streamControls;

    /// <summary>Completes when the pump has stopped: queued frames and the close frame written, or the socket failed.</summary>
    public Task Completion => Volatile.Read(ref _pump);

    public FrameWriter Writer => _writer;

    /// <summary>
    /// Sends and completes when the frame was written; throws if it could not be. On an <c>endpoints.v1</c> connection
    /// <paramref name="header"/> (a request's or an answer's, with its line feed) goes in front of the payload; without
    /// one the message goes with an empty header.
    /// </summary>
    public ValueTask SendAsync(WebSocketMessage message, CancellationToken cancellationToken, byte[]? header = null)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (TryWriteNow(message, header, out var write)) return write;
        return new ValueTask(SendQueuedAsync(message, header, cancellationToken));
    }

    /// <summary>Queues without waiting for the write; waits for room when the outbox is full (unless the policy closes).</summary>
    public ValueTask EnqueueAsync(WebSocketMessage message, CancellationToken cancellationToken, byte[]? header = null)
    {
        if (TryWriteNow(message, header, out var write))
        {
            Observe(write);
            return default;
        }
        return QueueAsync(OutboundFrame.ForMessage(message, header: header), cancellationToken);
    }

    /// <summary>Queues without waiting at all; false when the outbox is full or closed (a full one closes a slow consumer under that policy).</summary>
    public bool TryEnqueue(WebSocketMessage message, byte[]? header = null)
    {
        if (TryWriteNow(message, header, out var write))
        {
            Observe(write);
            return true;
        }
        if (TryQueue(OutboundFrame.ForMessage(message, header: header))) return true;
        if (Endpoint.Options.OutboxFullPolicy == OutboxFullPolicy.Close && !_close.IsRequested) CloseSlowConsumer();
        return false;
    }

    /// <summary>
    /// Sends a ping or pong without ever waiting: now if the socket is free, else after what is queued. Dropped when the
    /// outbox is full (a peer that reads nothing reads no pong either) or once the close frame has gone out.
    /// </summary>
    /// <returns>False when the frame was dropped.</returns>
    public bool TrySendControl(byte opcode, ReadOnlySpan<byte> payload)
    {
        if (_close.FrameSent) return false;
        var copy = payload.ToArray();
        // A streamed send holds the connection: the frame goes between two of its fragments (RFC 6455 5.4 allows control
        // frames there), not after the whole message, so pings are answered and keep-alive works during long streams.
        if (Volatile.Read(ref _streamControls) is { } between && between.TryAdd(opcode, copy)) return true;
        if (Volatile.Read(ref _queued) == 0 && _lock.TryTake())
        {
            Observe(WriteControlHoldingLock(opcode, copy));
            return true;
        }
        return TryQueue(OutboundFrame.ForControl(opcode, copy));
    }

    /// <summary>
    /// Sends one message as fragments written by <paramref name="write"/>, holding the connection for its whole length:
    /// it takes its turn like any send (at once when nothing is queued, else through the outbox), and sends after it wait.
    /// </summary>
    public async ValueTask SendStreamAsync(bool text, Func<OutgoingMessageStream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        StreamTurn? turn = null;
        if (!TryTakeLockToWrite())
        {
            turn = new StreamTurn();
            await QueueAsync(OutboundFrame.ForStream(turn), cancellationToken).ConfigureAwait(false);
            try
            {
                await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Taken back before its turn: the pump skips it. Else the pump has handed it the connection meanwhile,
                // and gives the connection back to the pump at once.
                if (!turn.TryTakeBack()) turn.Finished.TrySetResult();
                throw;
            }
        }
        var between = new StreamControls(_writer, _close);
        Volatile.Write(ref _streamControls, between);
        var stream = new OutgoingMessageStream(_writer, text, between, _noHeader);
        // The writer also hears of the connection being dropped, so a writer that waits on something else ends then.
        using var dropped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _connection.Aborted);
        try
        {
            await write(stream, dropped.Token).ConfigureAwait(false);
            await stream.CompleteAsync().ConfigureAwait(false);
            Endpoint.Metrics.MessagesSent.Add(1, Endpoint.Tag);
            Endpoint.Metrics.BytesSent.Add(stream.BytesWritten, Endpoint.Tag);
        }
        catch (Exception exception)
        {
            // Part of the message is out and cannot be taken back: the connection ends with 1011. When a fragment is out,
            // no data frame may follow (RFC 6455 5.4: it would land inside the unfinished message): what is queued is
            // dropped, and the close frame, a control frame, may go next.
            if (stream.Failed) Log.SendFailed(Endpoint.Logger, exception, _connection.Id);
            if (stream.Started) Volatile.Write(ref _messageLeftUnfinished, true);
            _close.TryRequest(WebSocketCloseStatus.InternalServerError, "Streamed message not completed", WebSocketCloseReason.Error);
            throw;
        }
        finally
        {
            Volatile.Write(ref _streamControls, null);
            try
            {
                // Control frames that came during the last fragment go out before the connection is given back.
                await between.WriteAsync(closeAfter: true).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                SendFailed(exception);
            }
            finally
            {
                stream.Dispose();
                if (turn is null) _lock.Release();
                else turn.Finished.TrySetResult();
            }
        }
    }

    /// <summary>Whether a non-waiting send could queue now (for <c>WaitToWriteAsync</c>).</summary>
    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken) => Outbox().Writer.WaitToWriteAsync(cancellationToken);

    /// <summary>The close was requested: take no more messages; the pump sends what is queued, then the close frame.</summary>
    public void CompleteOutbox() => Outbox().Writer.TryComplete();

    /// <summary>
    /// The one place that decides how a message goes out: directly, when nothing is queued (so a thread's messages keep
    /// their order), no close was requested and no one else is writing; otherwise the caller queues it. Frames are
    /// counted before they enter the outbox and stay counted until the pump holds the send lock, so a zero count means
    /// nothing is waiting to go out before this message.
    /// </summary>
    private bool TryWriteNow(WebSocketMessage message, byte[]? header, out ValueTask write)
    {
        if (!TryTakeLockToWrite())
        {
            write = default;
            return false;
        }
        write = WriteHoldingLock(message, header);
        return true;
    }

    /// <summary>
    /// Takes the send lock for a direct write when nothing is queued and no close was requested. The close request is
    /// checked again once the lock is held: the pump writes the close frame only holding the lock and only after the
    /// request, so a data frame written now can never follow it.
    /// </summary>
    private bool TryTakeLockToWrite()
    {
        if (Volatile.Read(ref _queued) != 0 || _close.IsRequested || !_lock.TryTake()) return false;
        if (!_close.IsRequested) return true;
        _lock.Release();
        return false;
    }

    /// <summary>
    /// An awaited send that has to queue. Cancellation takes it back while it waits (its memory is never read after the
    /// task completes); once the pump has begun writing it, it is let finish and the send completes when it has.
    /// </summary>
    private async Task SendQueuedAsync(WebSocketMessage message, byte[]? header, CancellationToken cancellationToken)
    {
        var pending = new PendingSend();
        await QueueAsync(OutboundFrame.ForMessage(message, pending, header), cancellationToken).ConfigureAwait(false);
        try
        {
            await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !pending.Task.IsCompleted)
        {
            if (pending.TryTakeBack()) throw;
            // Being written: the frame cannot be taken back half-way, and the memory is in use until it is out.
            await pending.Task.ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask QueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        if (TryQueue(frame)) return;
        if (_close.IsRequested) throw NotOpen();
        if (Endpoint.Options.OutboxFullPolicy == OutboxFullPolicy.Close)
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
        Endpoint.Metrics.OutboxDepth.Add(1, Endpoint.Tag);
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
            Endpoint.Metrics.OutboxDepth.Add(1, Endpoint.Tag);
            return true;
        }
        Interlocked.Decrement(ref _queued);
        return false;
    }

    private void CloseSlowConsumer()
        => _close.TryRequest(WebSocketCloseStatus.PolicyViolation, "Slow consumer", WebSocketCloseReason.PolicyViolation);

    /// <summary>The outbox, created with its pump on first use.</summary>
    private Channel<OutboundFrame> Outbox()
    {
        var channel = Volatile.Read(ref _outbox);
        if (channel is not null) return channel;
        channel = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(Endpoint.Options.OutboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (Interlocked.CompareExchange(ref _outbox, channel, null) is { } existing) return existing;
        Volatile.Write(ref _pump, PumpAsync(channel));
        return channel;
    }

    /// <summary>Writes while holding the send lock and releases it; completes synchronously when the transport takes the bytes at once.</summary>
    private ValueTask WriteHoldingLock(WebSocketMessage message, byte[]? header)
    {
        ValueTask write;
        try
        {
            write = Write(message, header);
        }
        catch (Exception exception)
        {
            _lock.Release();
            return ValueTask.FromException(SendFailed(exception));
        }
        if (!write.IsCompletedSuccessfully) return AwaitWriteHoldingLockAsync(write, message);
        write.GetAwaiter().GetResult();
        _lock.Release();
        CountSent(message);
        return default;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteHoldingLockAsync(ValueTask write, WebSocketMessage message)
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteControlHoldingLock(byte opcode, byte[] payload)
    {
        try
        {
            if (!_close.FrameSent) await _writer.WriteControlAsync(opcode, payload).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            throw SendFailed(exception);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Takes the send lock for the pump, waiting for a direct writer to finish. Only the pump calls this.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask TakeLockForPumpAsync()
    {
        while (!_lock.TryTake())
        {
            var released = _lock.PumpWaits();
            if (_lock.TryTake()) return;
            // A direct writer that never gives the lock back (a streamed send whose writer hangs) cannot hold the pump,
            // and with it the close, past the connection being dropped.
            await released.WaitAsync(_connection.Aborted).ConfigureAwait(false);
        }
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
                await TakeLockForPumpAsync().ConfigureAwait(false);
                try
                {
                    while (reader.TryRead(out var frame))
                    {
                        Interlocked.Decrement(ref _queued);
                        Endpoint.Metrics.OutboxDepth.Add(-1, Endpoint.Tag);
                        await WriteQueuedAsync(frame).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _lock.Release();
                }
            }

            // The outbox was completed by a close request: the close frame goes after the queued messages.
            await TakeLockForPumpAsync().ConfigureAwait(false);
            try
            {
                await _close.WriteFrameAsync(_writer).ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }
        catch (Exception exception)
        {
            Log.SendFailed(Endpoint.Logger, exception, _connection.Id);
            outbox.Writer.TryComplete();
            _connection.Abort();
            while (reader.TryRead(out var frame))
            {
                Interlocked.Decrement(ref _queued);
                Endpoint.Metrics.OutboxDepth.Add(-1, Endpoint.Tag);
                var failure = new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection failed before the message was sent.", exception);
                frame.Written?.TrySetException(failure);
                frame.Turn?.TrySetException(failure);
            }
        }
        finally
        {
            _close.FrameDone();
        }
    }

    /// <summary>One outbox entry, written by the pump while it holds the send lock.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteQueuedAsync(OutboundFrame frame)
    {
        if (frame.Control != 0)
        {
            if (!_close.FrameSent) await _writer.WriteControlAsync(frame.Control, frame.ControlPayload).ConfigureAwait(false);
            return;
        }
        if (Volatile.Read(ref _messageLeftUnfinished))
        {
            // A streamed message was left unfinished: no data frame may go out any more, only the close frame.
            var dropped = NotOpen();
            frame.Written?.TrySetException(dropped);
            frame.Turn?.TrySetException(dropped);
            return;
        }
        if (frame.Turn is { } turn)
        {
            if (!turn.TryStart()) return; // its sender gave up waiting
            // A streamed send: the connection is its until it finishes; the pump keeps the lock for it meanwhile. A
            // dropped connection ends the wait too, so a writer that never returns cannot hold the pump.
            turn.TrySetResult();
            await turn.Finished.Task.WaitAsync(_connection.Aborted).ConfigureAwait(false);
            return;
        }
        if (frame.Written is { } pending && !pending.TryStart()) return; // taken back by a cancelled sender: never read
        try
        {
            await Write(frame.Message, frame.Header).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            frame.Written?.TrySetException(exception is WebSocketException ? exception : NotOpen(exception));
            throw;
        }
        frame.Written?.TrySetResult();
        CountSent(frame.Message);
    }

    private ValueTask Write(WebSocketMessage message, byte[]? header)
    {
        var prefix = header ?? _noHeader;
        if (message.MessageType == WebSocketMessageType.Binary) return _writer.WriteBinaryAsync(message.Binary, prefix);
        return message.Text is { } text ? _writer.WriteTextAsync(text, prefix) : _writer.WriteUtf8TextAsync(message.Utf8Text, prefix);
    }

    /// <summary>A write failed: the connection cannot go on. Returns what the sender should see.</summary>
    private Exception SendFailed(Exception exception)
    {
        Log.SendFailed(Endpoint.Logger, exception, _connection.Id);
        _connection.Abort();
        return exception is WebSocketException ? exception : NotOpen(exception);
    }

    private void CountSent(WebSocketMessage message)
    {
        var endpoint = Endpoint;
        endpoint.Metrics.MessagesSent.Add(1, endpoint.Tag);
        if (endpoint.Metrics.BytesSent.Enabled) endpoint.Metrics.BytesSent.Add(message.ByteCount, endpoint.Tag);
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

/// <summary>
/// The control frames (pongs, keep-alive pings) that arrive while a streamed send holds the connection: its stream
/// writes them between fragments. Once closed (the stream has ended) it takes no more, and senders go the usual way.
/// </summary>
internal sealed class StreamControls(FrameWriter writer, CloseHandshake close)
{
    private const int Capacity = 16;
    private List<(byte Opcode, byte[] Payload)>? _pending;
    private bool _closed;

    /// <summary>False when the stream has ended (send the usual way) or too many are waiting (dropped).</summary>
    public bool TryAdd(byte opcode, byte[] payload)
    {
        lock (this)
        {
            if (_closed || _pending?.Count >= Capacity) return false;
            (_pending ??= []).Add((opcode, payload));
            return true;
        }
    }

    /// <summary>Writes what is waiting; the caller holds the send lock. <paramref name="closeAfter"/>: the stream has ended, take no more.</summary>
    public async ValueTask WriteAsync(bool closeAfter = false)
    {
        List<(byte Opcode, byte[] Payload)>? pending;
        lock (this)
        {
            _closed |= closeAfter;
            pending = _pending;
            _pending = null;
        }
        if (pending is null) return;
        foreach (var (opcode, payload) in pending)
        {
            if (close.FrameSent) return;
            await writer.WriteControlAsync(opcode, payload).ConfigureAwait(false);
        }
    }
}
