using System.Buffers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// The server side of one connection: the transmit channel and the single pump that writes it to the
/// socket. One writer at a time holds the send side (<see cref="_writing"/>): the pump while it drains the
/// outbox (close frame included), or a sender that found the outbox empty and the socket free and writes
/// directly, skipping the queue and the hop to the pump. Taking and giving back the send side is two atomic
/// operations; only the pump ever waits for it.
/// </summary>
internal sealed class ServerWebSocketConnection : WebSocketConnection, IDisposable
{
    private readonly HttpContext _context;
    private readonly WebSocket _socket;
    // Created on first use: an idle connection that sends directly never needs an outbox, a pump, a
    // close deadline, a Closed token or a close completion, and memory per idle connection is what scales.
    private Channel<OutboundFrame>? _outbox;
    private readonly OutboxWriter _outboxWriter;
    private readonly int _outboxCapacity;
    private CancellationTokenSource? _closed;
    private CancellationTokenSource? _closeDeadline;
    private TaskCompletionSource? _closeWritten;
    private bool _closeFrameDone;
    private bool _markedEnded;
    private readonly TimeSpan _closeTimeout;
    private readonly OutboxFullPolicy _fullPolicy;
    private readonly ILogger _logger;
    // 1 while a writer holds the send side.
    private int _writing;
    // 1 while the pump waits for a direct writer to give the send side back; _writerDone wakes it.
    private int _pumpWaiting;
    private SemaphoreSlim? _writerDone;
    // Frames in the outbox, kept apart because the channel's own count takes a lock.
    private int _queued;
    private CloseRequest? _closeRequest;
    private Task _pump = Task.CompletedTask;
    private bool _ended;

    private readonly WebSocketEndpointMetrics _metrics;
    private readonly KeyValuePair<string, object?> _endpointTag;

    public ServerWebSocketConnection(HttpContext context, WebSocket socket, WebSocketEndpointOptions options, ILogger logger,
        WebSocketEndpointMetrics metrics, KeyValuePair<string, object?> endpointTag)
    {
        _metrics = metrics;
        _endpointTag = endpointTag;
        _context = context;
        _socket = socket;
        _closeTimeout = options.CloseTimeout;
        _fullPolicy = options.OutboxFullPolicy;
        _logger = logger;
        _outboxCapacity = options.OutboxCapacity;
        _outboxWriter = new OutboxWriter(this);
    }

    public override string Id => _context.TraceIdentifier;

    public override ClaimsPrincipal User => _context.User;

    public override string? SubProtocol => _socket.SubProtocol;

    public override CancellationToken Closed
    {
        get
        {
            var source = Volatile.Read(ref _closed);
            if (source is null)
            {
                if (Volatile.Read(ref _markedEnded)) return new CancellationToken(canceled: true);
                source = new CancellationTokenSource();
                if (Interlocked.CompareExchange(ref _closed, source, null) is { } existing)
                {
                    source.Dispose();
                    source = existing;
                }
                else if (Volatile.Read(ref _markedEnded))
                {
                    source.Cancel(); // the connection ended while this was being created
                }
            }
            return source.Token;
        }
    }

    public override ChannelWriter<WebSocketMessage> Outbox => _outboxWriter;

    /// <summary>The close the server asked for first, if any; later requests do not replace it.</summary>
    public CloseRequest? CloseRequested => Volatile.Read(ref _closeRequest);

    /// <summary>Completes when the pump has stopped: queued frames and the close frame written, or the socket failed.</summary>
    public Task PumpCompletion => Volatile.Read(ref _pump);

    /// <summary>The outbox, created with its pump on first use.</summary>
    private Channel<OutboundFrame> OutboxChannel()
    {
        var channel = Volatile.Read(ref _outbox);
        if (channel is not null) return channel;
        channel = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(_outboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (Interlocked.CompareExchange(ref _outbox, channel, null) is { } existing) return existing;
        Volatile.Write(ref _pump, PumpAsync(channel));
        return channel;
    }

    public override ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(WebSocketMessage.FromText(text), cancellationToken);
    }

    public override ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(WebSocketMessage.FromBinary(data), cancellationToken);

    public override Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null)
    {
        RequestClose(status, description, WebSocketCloseReason.ServerClosed);
        if (Volatile.Read(ref _closeFrameDone)) return Task.CompletedTask;
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _closeWritten, written, null) is { } existing) return existing.Task;
        if (Volatile.Read(ref _closeFrameDone)) written.TrySetResult(); // the pump finished meanwhile
        return written.Task;
    }

    /// <summary>
    /// Asks for the close handshake: the outbox takes no more messages, the pump sends what is queued and
    /// then the close frame. Starts the close deadline. Returns false if a close was already requested.
    /// </summary>
    public bool RequestClose(WebSocketCloseStatus status, string? description, WebSocketCloseReason reason)
    {
        var request = new CloseRequest(status, description, reason);
        if (Interlocked.CompareExchange(ref _closeRequest, request, null) is not null) return false;
        if (!Volatile.Read(ref _ended))
        {
            // A peer that never finishes the close handshake (or never reads) is dropped at the deadline. Aborting
            // the socket alone does not end a write blocked on transport backpressure; aborting the request does.
            var deadline = new CancellationTokenSource();
            deadline.Token.UnsafeRegister(static state => ((ServerWebSocketConnection)state!).Abort(), this);
            deadline.CancelAfter(_closeTimeout);
            Volatile.Write(ref _closeDeadline, deadline);
        }
        OutboxChannel().Writer.TryComplete();
        return true;
    }

    /// <summary>
    /// Drops the connection at once: no close handshake, pending reads and writes fail. Safe from any thread
    /// at any time, timers included: once the request has ended its context may already be recycled.
    /// </summary>
    public void Abort()
    {
        _socket.Abort();
        if (Volatile.Read(ref _ended)) return;
        try
        {
            _context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request ended meanwhile; the socket abort above is all that is left to do.
        }
    }

    /// <summary>Marks the connection as ended: cancels <see cref="Closed"/>.</summary>
    public void MarkEnded()
    {
        Volatile.Write(ref _markedEnded, true);
        try
        {
            Volatile.Read(ref _closed)?.Cancel();
        }
        catch (AggregateException exception)
        {
            Log.ClosedCallbackFailed(_logger, exception, Id);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _ended, true);
        Volatile.Read(ref _closeDeadline)?.Dispose();
        Volatile.Read(ref _closed)?.Dispose();
    }

    private ValueTask SendAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (TryBeginDirectSend()) return SendDirectAsync(message);
        return new ValueTask(SendQueuedAsync(message, cancellationToken));
    }

    private async Task SendQueuedAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueQueuedAsync(new OutboundFrame(message, written), cancellationToken).ConfigureAwait(false);
        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the send side for a direct write when nothing is queued (so a thread's messages keep their order)
    /// and no one else is writing. Frames are counted before they enter the outbox and stay there until the
    /// pump holds the send side, so a zero count means nothing is waiting to go out before this message.
    /// </summary>
    private bool TryBeginDirectSend()
        => Volatile.Read(ref _queued) == 0 && CloseRequested is null && TryTakeSendSide();

    private bool TryTakeSendSide() => Interlocked.CompareExchange(ref _writing, 1, 0) == 0;

    private void ReleaseSendSide()
    {
        // A full fence, so the pump cannot miss the release between its flag and its retry.
        Interlocked.Exchange(ref _writing, 0);
        if (Volatile.Read(ref _pumpWaiting) == 1 && Interlocked.Exchange(ref _pumpWaiting, 0) == 1) _writerDone!.Release();
    }

    private async ValueTask TakeSendSideForPumpAsync()
    {
        while (!TryTakeSendSide())
        {
            // Created before the flag is raised, so whoever sees the flag finds the semaphore.
            _writerDone ??= new SemaphoreSlim(0);
            Volatile.Write(ref _pumpWaiting, 1);
            if (TryTakeSendSide()) return; // a stray wake-up later only costs the pump one more retry
            await _writerDone!.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes while holding the send side; completes synchronously when the transport takes the bytes at once.</summary>
    private ValueTask SendDirectAsync(WebSocketMessage message)
    {
        ValueTask write;
        try
        {
            write = WriteAsync(message);
        }
        catch (Exception exception)
        {
            ReleaseSendSide();
            return ValueTask.FromException(SendFailed(exception));
        }
        if (!write.IsCompletedSuccessfully) return AwaitDirectSendAsync(write, message);
        write.GetAwaiter().GetResult();
        ReleaseSendSide();
        CountSent(message);
        return default;
    }

    private async ValueTask AwaitDirectSendAsync(ValueTask write, WebSocketMessage message)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            ReleaseSendSide();
            throw SendFailed(exception);
        }
        ReleaseSendSide();
        CountSent(message);
    }

    /// <summary>A write failed: the connection cannot go on. Returns what the sender should see.</summary>
    private Exception SendFailed(Exception exception)
    {
        Log.SendFailed(_logger, exception, Id);
        Abort();
        return exception is WebSocketException ? exception : NotOpen(exception);
    }

    private void CountSent(WebSocketMessage message)
    {
        _metrics.MessagesSent.Add(1, _endpointTag);
        if (_metrics.BytesSent.Enabled)
        {
            _metrics.BytesSent.Add(message.MessageType == WebSocketMessageType.Binary ? message.Binary.Length : Encoding.UTF8.GetByteCount(message.Text!), _endpointTag);
        }
    }

    /// <summary>Queues without waiting for the write: directly when the socket is free, else in the outbox.</summary>
    private ValueTask EnqueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        if (TryBeginDirectSend())
        {
            ObserveDirectSend(SendDirectAsync(frame.Message));
            return default;
        }
        return EnqueueQueuedAsync(frame, cancellationToken);
    }

    private async ValueTask EnqueueQueuedAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        if (TryWriteToOutbox(frame)) return;
        if (CloseRequested is not null) throw NotOpen();
        if (_fullPolicy == OutboxFullPolicy.Close)
        {
            CloseSlowConsumer();
            throw new WebSocketException(WebSocketError.InvalidState, "The client reads too slowly: its outbox is full, so the connection is being closed.");
        }
        // Counted before it is in the outbox (see TryWriteToOutbox), given back if it never gets there.
        Interlocked.Increment(ref _queued);
        try
        {
            await OutboxChannel().Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Decrement(ref _queued);
            if (exception is ChannelClosedException) throw NotOpen();
            throw;
        }
        _metrics.OutboxDepth.Add(1, _endpointTag);
    }

    /// <summary>
    /// Puts a frame in the outbox. It is counted first, so that the count is never below what the outbox holds:
    /// counted after, another thread's late count could hide this frame, and a later message from this
    /// thread would be written directly ahead of it.
    /// </summary>
    private bool TryWriteToOutbox(OutboundFrame frame)
    {
        Interlocked.Increment(ref _queued);
        if (OutboxChannel().Writer.TryWrite(frame))
        {
            _metrics.OutboxDepth.Add(1, _endpointTag);
            return true;
        }
        Interlocked.Decrement(ref _queued);
        return false;
    }

    private void Dequeued()
    {
        Interlocked.Decrement(ref _queued);
        _metrics.OutboxDepth.Add(-1, _endpointTag);
    }

    /// <summary>A non-waiting enqueue; with the close policy a full outbox also closes the connection.</summary>
    private bool TryEnqueue(OutboundFrame frame)
    {
        if (TryBeginDirectSend())
        {
            ObserveDirectSend(SendDirectAsync(frame.Message));
            return true;
        }
        if (TryWriteToOutbox(frame)) return true;
        if (_fullPolicy == OutboxFullPolicy.Close && CloseRequested is null) CloseSlowConsumer();
        return false;
    }

    // A write the caller does not wait for: a failure has already dropped the connection, so it is only observed.
    private static void ObserveDirectSend(ValueTask write)
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

    private void CloseSlowConsumer()
        => RequestClose(WebSocketCloseStatus.PolicyViolation, "Slow consumer", WebSocketCloseReason.PolicyViolation);

    private async Task PumpAsync(Channel<OutboundFrame> outbox)
    {
        // Let the caller go on before the pump's first wait.
        await Task.Yield();
        var reader = outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await TakeSendSideForPumpAsync().ConfigureAwait(false);
                try
                {
                    while (reader.TryRead(out var frame))
                    {
                        Dequeued();
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
                    ReleaseSendSide();
                }
            }

            var close = CloseRequested ?? new CloseRequest(WebSocketCloseStatus.NormalClosure, null, WebSocketCloseReason.ServerClosed);
            await TakeSendSideForPumpAsync().ConfigureAwait(false);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(close.Status, close.Description, CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                ReleaseSendSide();
            }
        }
        catch (Exception exception)
        {
            Log.SendFailed(_logger, exception, Id);
            outbox.Writer.TryComplete();
            Abort();
            while (reader.TryRead(out var frame))
            {
                Dequeued();
                frame.Written?.TrySetException(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection failed before the message was sent.", exception));
            }
        }
        finally
        {
            Volatile.Write(ref _closeFrameDone, true);
            Volatile.Read(ref _closeWritten)?.TrySetResult();
        }
    }

    private ValueTask WriteAsync(WebSocketMessage message)
    {
        if (message.MessageType == WebSocketMessageType.Binary)
        {
            return _socket.SendAsync(message.Binary, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        return WriteTextAsync(message.Text!);
    }

    private async ValueTask WriteTextAsync(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            await _socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static WebSocketException NotOpen(Exception? inner = null)
        => new(WebSocketError.InvalidState, "The WebSocket connection is closing or closed; the message was not sent.", inner);

    /// <summary>The public face of the outbox: plain messages in, and completing it closes the connection.</summary>
    private sealed class OutboxWriter(ServerWebSocketConnection connection) : ChannelWriter<WebSocketMessage>
    {
        public override bool TryWrite(WebSocketMessage item) => connection.TryEnqueue(new OutboundFrame(item, null));

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
            => connection.OutboxChannel().Writer.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(WebSocketMessage item, CancellationToken cancellationToken = default)
            => connection.EnqueueAsync(new OutboundFrame(item, null), cancellationToken);

        public override bool TryComplete(Exception? error = null) => error is null
            ? connection.RequestClose(WebSocketCloseStatus.NormalClosure, null, WebSocketCloseReason.ServerClosed)
            : connection.RequestClose(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error);
    }
}

/// <summary>A close the server asked for: the status and description to send, and why.</summary>
internal sealed record CloseRequest(WebSocketCloseStatus Status, string? Description, WebSocketCloseReason Reason);

/// <summary>A queued message and, for an awaited send, what to complete once it is written.</summary>
internal readonly record struct OutboundFrame(WebSocketMessage Message, TaskCompletionSource? Written);
