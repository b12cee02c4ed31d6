using System.Buffers;
using System.Net.WebSockets;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// The close handshake of one connection, in one place: its state (requested → frame written → peer's close
/// received → done), the close the server asked for, and the deadline that drops a peer that never finishes.
/// Whoever ends a connection comes here: the app (<c>CloseAsync</c>, completing the outbox), the receive loop (a
/// bad message, the peer's close frame, the input ending), a policy (idle, rate, slow consumer) or host shutdown.
/// </summary>
internal sealed class CloseHandshake(ServerWebSocketConnection connection, Transmitter transmitter)
{
    private CloseRequest? _request;
    private ITimer? _deadline;
    // Created when someone waits for the close frame (CloseAsync); most connections never need it.
    private TaskCompletionSource? _frameWritten;
    private bool _frameDone;
    private bool _frameSent;
    private bool _ended;

    /// <summary>The close the server asked for first, if any; later requests do not replace it.</summary>
    public CloseRequest? Request => Volatile.Read(ref _request);

    public bool IsRequested => Volatile.Read(ref _request) is not null;

    /// <summary>Whether the close frame has gone out: no frame may follow it.</summary>
    public bool FrameSent => Volatile.Read(ref _frameSent);

    /// <summary>
    /// Asks for the close: the outbox takes no more messages, the queued ones go out, then the close frame. Starts the
    /// deadline. Returns false if a close was already requested (the first reason stands).
    /// </summary>
    public bool TryRequest(WebSocketCloseStatus status, string? description, WebSocketCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _request, new CloseRequest(status, description, reason), null) is not null) return false;
        if (!Volatile.Read(ref _ended))
        {
            // Aborting the stream alone does not end a write blocked on transport backpressure; the connection's Abort
            // ends the request too.
            Volatile.Write(ref _deadline, connection.Endpoint.Time.CreateTimer(static state => ((ServerWebSocketConnection)state!).Abort(), connection,
                connection.Endpoint.Options.CloseTimeout, Timeout.InfiniteTimeSpan));
        }
        transmitter.CompleteOutbox();
        return true;
    }

    /// <summary>Writes the close frame. The transmitter calls this holding the send lock, after the queued messages.</summary>
    public async ValueTask WriteFrameAsync(FrameWriter writer)
    {
        if (FrameSent || Volatile.Read(ref _ended)) return;
        var close = Request!;
        // 1005 (no status) and 1006 (abnormal) describe a close; they may not be sent (RFC 6455 7.4.1).
        var status = close.Status is WebSocketCloseStatus.Empty or (WebSocketCloseStatus)1006 ? WebSocketCloseStatus.NormalClosure : close.Status;
        await writer.WriteCloseAsync(status, close.Description).ConfigureAwait(false);
        Volatile.Write(ref _frameSent, true);
    }

    /// <summary>The transmitter has stopped: the close frame is written, or the connection failed. Releases <see cref="WhenFrameWritten"/>.</summary>
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
    public WebSocketCloseInfo PeerClosed(WebSocketCloseStatus? status, string? description)
    {
        if (Request is { } requested) return requested.ToCloseInfo(); // the server's reason stands
        // Echo the peer's status, as RFC 6455 (5.5.1) asks; a close without one (1005) is answered with 1000.
        TryRequest(status ?? WebSocketCloseStatus.NormalClosure, description, WebSocketCloseReason.ClientClosed);
        return new WebSocketCloseInfo(status, description, WebSocketCloseReason.ClientClosed);
    }

    /// <summary>The input ended without a close frame: says why the connection ended.</summary>
    public WebSocketCloseInfo InputEnded(Exception? exception, bool timedOut)
    {
        // The server was closing and the peer did not finish the handshake in time (or went away).
        if (Request is { } requested) return requested.ToCloseInfo();
        if (timedOut)
        {
            TryRequest(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.TimedOut);
            return new WebSocketCloseInfo(null, "No answer to keep-alive pings", WebSocketCloseReason.TimedOut);
        }
        if (exception is not null) Log.InputEnded(connection.Endpoint.Logger, exception, connection.Id);
        TryRequest(WebSocketCloseStatus.EndpointUnavailable, null, WebSocketCloseReason.Aborted);
        return new WebSocketCloseInfo(null, null, WebSocketCloseReason.Aborted);
    }

    /// <summary>
    /// The peer broke the protocol: the close frame says how. Then, as after any close of ours, the peer's input is read
    /// until its close frame (bounded by the deadline), so that our close frame is not lost to a TCP reset caused by
    /// unread data: as frames when the offending frame can be skipped, else as bytes until the peer ends the connection.
    /// </summary>
    public async Task<WebSocketCloseInfo> FailProtocolAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason, FrameReader reader)
    {
        TryRequest(status, description, reason);
        reader.StartDiscarding();
        if (reader.PeerSentClose)
        {
            // The offending frame was the peer's close (a bad code, a 1-byte payload): both close frames are then
            // exchanged once ours is out, and the connection ends without waiting for more.
            await transmitter.Completion.ConfigureAwait(false);
            return Request!.ToCloseInfo();
        }
        try
        {
            if (await reader.SkipBadFrameAsync().ConfigureAwait(false))
            {
                await DrainUntilPeerClosesAsync(reader).ConfigureAwait(false);
                return Request!.ToCloseInfo();
            }
        }
        catch (Exception)
        {
            return Request!.ToCloseInfo();
        }
        await transmitter.Completion.ConfigureAwait(false);
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await connection.Stream.ReadAsync(scratch).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception)
        {
            // The peer went away or the deadline aborted the connection: the close is over either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        return Request!.ToCloseInfo();
    }

    /// <summary>
    /// The server ends the connection: queued messages go out first, then the close frame; then the peer's messages are
    /// read and dropped (bounded by the deadline) until its close frame arrives.
    /// </summary>
    public async Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason, FrameReader reader)
    {
        TryRequest(status, description, reason);
        await DrainUntilPeerClosesAsync(reader).ConfigureAwait(false);
        return Request!.ToCloseInfo();
    }

    /// <summary>
    /// Reads and drops whatever the peer still sends until its close frame, the end of input or a protocol error: nothing
    /// is inflated, checked, answered or delivered any more.
    /// </summary>
    public async Task DrainUntilPeerClosesAsync(FrameReader reader)
    {
        reader.StartDiscarding();
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            // The message the server stopped reading (too big, bad UTF-8) is skipped first.
            if (reader.InMessage && (await reader.SkipMessageAsync(scratch).ConfigureAwait(false)).Signal != ReadSignal.Data) return;
            while (true)
            {
                if (reader.IsIdle) await reader.WaitForInputAsync().ConfigureAwait(false);
                var signal = await reader.NextMessageAsync().ConfigureAwait(false);
                if (signal == ReadSignal.Idle) continue;
                if (signal != ReadSignal.Data) break;
                var skipped = await reader.SkipMessageAsync(scratch).ConfigureAwait(false);
                if (skipped.Signal != ReadSignal.Data) break;
            }
        }
        catch (Exception)
        {
            // The deadline aborted the connection: the close is over either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
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
