namespace Endpoints.Runtime;

/// <summary>
/// One entry of the outbox: a message (with, for an awaited send, what to complete once it is written), a control
/// frame (a pong or a keep-alive ping), or a streamed send's turn to hold the connection.
/// </summary>
internal readonly struct OutboundFrame
{
    private OutboundFrame(WebSocketMessage message, TaskCompletionSource? written, byte control, byte[]? controlPayload, StreamTurn? turn)
    {
        Message = message;
        Written = written;
        Control = control;
        ControlPayload = controlPayload;
        Turn = turn;
    }

    public WebSocketMessage Message { get; }

    public TaskCompletionSource? Written { get; }

    /// <summary>The control opcode (ping or pong); 0 for anything else.</summary>
    public byte Control { get; }

    public byte[]? ControlPayload { get; }

    public StreamTurn? Turn { get; }

    public static OutboundFrame ForMessage(WebSocketMessage message, TaskCompletionSource? written = null) => new(message, written, 0, null, null);

    public static OutboundFrame ForControl(byte opcode, byte[] payload) => new(default, null, opcode, payload, null);

    public static OutboundFrame ForStream(StreamTurn turn) => new(default, null, 0, null, turn);
}

/// <summary>
/// A streamed send waiting in the outbox: when the pump reaches it, the pump hands it the connection (<see cref="Started"/>)
/// and waits for it to finish (<see cref="Finished"/>) before writing anything else.
/// </summary>
internal sealed class StreamTurn
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
