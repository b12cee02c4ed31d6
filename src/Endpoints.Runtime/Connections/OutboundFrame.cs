namespace Endpoints.Runtime.Connections;

/// <summary>
/// One entry of the outbox: a message (with, for an awaited send, what to complete once it is written), a control
/// frame (a pong or a keep-alive ping), or a streamed send's turn to hold the connection.
/// </summary>
internal readonly struct OutboundFrame
{
    private OutboundFrame(WebSocketMessage message, PendingSend? written, byte control, byte[]? controlPayload, StreamTurn? turn, byte[]? header = null)
    {
        Message = message;
        Header = header;
        Written = written;
        Control = control;
        ControlPayload = controlPayload;
        Turn = turn;
    }

    public WebSocketMessage Message { get; }

    public PendingSend? Written { get; }

    /// <summary>The message's <c>endpoints.v1</c> header with its line feed, when it has one (a request or an answer).</summary>
    public byte[]? Header { get; }

    /// <summary>The control opcode (ping or pong); 0 for anything else.</summary>
    public byte Control { get; }

    public byte[]? ControlPayload { get; }

    public StreamTurn? Turn { get; }

    public static OutboundFrame ForMessage(WebSocketMessage message, PendingSend? written = null, byte[]? header = null) => new(message, written, 0, null, null, header);

    public static OutboundFrame ForControl(byte opcode, byte[] payload) => new(default, null, opcode, payload, null);

    public static OutboundFrame ForStream(StreamTurn turn) => new(default, null, 0, null, turn);
}

/// <summary>
/// Who owns a queued entry: it is taken back by its sender (cancelled) or taken by the pump (started), whichever comes
/// first, exactly once. A sender that took it back knows the pump will never read it; one that lost the race knows
/// the write has begun and must be let finish.
/// </summary>
internal abstract class QueuedClaim : TaskCompletionSource
{
    private const int Queued = 0, Started = 1, Cancelled = 2;
    private int _state;

    protected QueuedClaim() : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
    }

    /// <summary>The sender gives up: true if the pump has not taken it (it never will now).</summary>
    public bool TryTakeBack() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

    /// <summary>The pump reaches it: true if the sender has not taken it back.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;
}

/// <summary>An awaited send in the outbox; completes when its frame has been written.</summary>
internal sealed class PendingSend : QueuedClaim;

/// <summary>
/// A streamed send waiting in the outbox: when the pump reaches it, the pump hands it the connection (its own task,
/// "started") and waits for it to finish (<see cref="Finished"/>) before writing anything else.
/// </summary>
internal sealed class StreamTurn : QueuedClaim
{
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
