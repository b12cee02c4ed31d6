using System.Net.WebSockets;

namespace Endpoints.Client;

// Sessions and resumable delivery (docs/protocol.md): every endpoints.v1 connection opens with the client's hello and
// the server's welcome. On a resumable endpoint the client numbers what it sends (n), keeps what the server has not
// confirmed and sends it again after a resumed welcome; it keeps the last position per stream, presents them in the
// next hello and drops what it already has. Numbering and the resend buffer change under the send lock only.
public sealed partial class EndpointsClient
{
    private static readonly TimerCallback s_welcomeTimedOut = static state =>
    {
        var (client, connection, token) = ((EndpointsClient, Connection, CancellationToken))state!;
        if (connection.TryTakeWelcome()) _ = client.OpenWithoutWelcomeAsync(connection, token);
    };

    private readonly Dictionary<string, StreamPosition> _positions = new(StringComparer.Ordinal);
    // Sent messages the server has not confirmed, oldest first, at most QueueCapacity; the numbers pushed out of it (at
    // most as many again), and the highest number forgotten beyond those.
    private readonly Queue<SentMessage> _unconfirmed = new();
    private readonly Queue<long> _evicted = new();
    private long _evictedForgotten;
    private long _lastNumber;
    private string? _session;
    private bool _resumed;

    /// <summary>
    /// The session's token while a resumable endpoint keeps a session for this client (its welcome said so), else null.
    /// Kept in memory only: a new client starts a new session.
    /// </summary>
    public string? Session => Volatile.Read(ref _session);

    /// <summary>
    /// Whether the current (or last) connection resumed the session: what the server sent meanwhile was replayed, and
    /// what it could not replay was reported through <see cref="Gap"/>. Set before <see cref="StateChanged"/> reports
    /// <see cref="ClientState.Open"/>; when false, fetch the state you need.
    /// </summary>
    public bool Resumed => Volatile.Read(ref _resumed);

    /// <summary>A copy of the last position received per stream, presented in the next hello. For diagnostics and tests.</summary>
    public IReadOnlyDictionary<string, StreamPosition> Positions
    {
        get
        {
            lock (_positions) return new Dictionary<string, StreamPosition>(_positions, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Raised when the server could not replay all of a stream after a reconnect (a <c>gap</c>): some messages are
    /// missing. Raised on the receive loop before the messages that follow the gap are delivered; keep it short.
    /// </summary>
    public event Action<StreamGap>? Gap;

    /// <summary>
    /// Raised at a welcome when sent messages of a resumable session will not be sent again: the server started a new
    /// session (<see cref="UnconfirmedReason.SessionLost"/>: whether it handled them is unknown; resend yourself what is
    /// safe to repeat), or the full resend buffer had let them go unhandled (<see cref="UnconfirmedReason.Overflow"/>).
    /// Raised on the receive loop before the state turns Open; keep it short.
    /// </summary>
    public event Action<UnconfirmedMessages>? Unconfirmed;

    /// <summary>
    /// Makes <paramref name="connection"/> the current one and says hello first: the session's token and positions when
    /// there are some. Sends wait in the queue until the welcome (or its timeout). False when the connection failed.
    /// </summary>
    private async Task<bool> HelloAsync(Connection connection, CancellationToken token)
    {
        await _sendLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _connection, connection);
            byte[] hello;
            lock (_positions) hello = SessionMessages.Hello(Session, _positions);
            await connection.Socket.SendAsync(hello, WebSocketMessageType.Text, true, token).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
        // A server that never welcomes does not hold the sends back for long: the connection goes on without a session.
        var timeout = _options.WelcomeTimeout;
        connection.AwaitWelcome(timeout == Timeout.InfiniteTimeSpan
            ? null
            : () => _options.TimeProvider.CreateTimer(s_welcomeTimedOut, (this, connection, token), timeout, Timeout.InfiniteTimeSpan));
        return true;
    }

    /// <summary>The welcome of the connection that waits for one; false when it is malformed (1002).</summary>
    private async ValueTask<bool> WelcomedAsync(Connection connection, ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        if (!connection.AwaitsWelcome) return true; // late (after the timeout) or repeated: ignored
        if (!SessionMessages.TryReadWelcome(payload.Span, out var welcome))
        {
            connection.TryTakeWelcome();
            return false;
        }
        if (!connection.TryTakeWelcome()) return true; // the timeout came first
        await OpenAsync(connection, welcome, token).ConfigureAwait(false);
        return true;
    }

    private async Task OpenWithoutWelcomeAsync(Connection connection, CancellationToken token)
    {
        try
        {
            await OpenAsync(connection, null, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // closed meanwhile
        }
    }

    /// <summary>
    /// The connection can take messages, after its welcome (null: it did not come in time). A resumable welcome numbers
    /// what goes out from now; a resumed one first sends again, in order, what the server had not handled. Then what
    /// waited in the queue, and the state turns Open.
    /// </summary>
    private async Task OpenAsync(Connection connection, SessionMessages.Welcome? welcome, CancellationToken token)
    {
        await _sendLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _connection) != connection) return; // it ended meanwhile
            var resumed = welcome is { Resumable: true, Resumed: true };
            if (welcome is { } received)
            {
                if (!resumed) ForgetSession();
                if (received.Resumable)
                {
                    Volatile.Write(ref _session, received.Session);
                    connection.Numbered = true;
                    if (resumed) Confirm(received.Received);
                    // Sent again as they went out the first time (same number, same bytes), before anything new.
                    foreach (var sent in _unconfirmed)
                    {
                        await connection.Socket.SendAsync(sent.Wire, sent.Message.MessageType, true, token).ConfigureAwait(false);
                    }
                }
            }
            Volatile.Write(ref _resumed, resumed);
            await WriteQueuedAsync(connection, token).ConfigureAwait(false);
            SetState(ClientState.Open, null, null);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException)
        {
            // Lost meanwhile: the receive loop ends it, and a request it was writing fails with it.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// No session goes on (a new one, or none): numbering starts over, the positions are of no use any more, and what
    /// waited for a confirmation is reported, not sent again (the server may or may not have handled it).
    /// </summary>
    private void ForgetSession()
    {
        Volatile.Write(ref _session, null);
        _lastNumber = 0;
        List<ClientMessage>? held = null;
        if (_unconfirmed.Count > 0)
        {
            held = new List<ClientMessage>(_unconfirmed.Count);
            foreach (var sent in _unconfirmed) held.Add(sent.Message);
        }
        _unconfirmed.Clear();
        _evicted.Clear();
        _evictedForgotten = 0;
        lock (_positions) _positions.Clear();
        if (held is not null) Unconfirmed?.Invoke(new UnconfirmedMessages(UnconfirmedReason.SessionLost, held.Count, held));
    }

    /// <summary>The server handled every message up to <paramref name="received"/>: they are forgotten. Those it did not, no longer kept, are reported.</summary>
    private void Confirm(long received)
    {
        while (_unconfirmed.TryPeek(out var sent) && sent.Number <= received) _unconfirmed.Dequeue();
        var lost = 0;
        foreach (var number in _evicted)
        {
            if (number > received) lost++;
        }
        var unknown = received < _evictedForgotten;
        _evicted.Clear();
        _evictedForgotten = 0;
        if (lost > 0 || unknown) Unconfirmed?.Invoke(new UnconfirmedMessages(UnconfirmedReason.Overflow, unknown ? null : lost, []));
    }

    /// <summary>
    /// Numbers a message that is not a request (under the send lock), keeps it until a welcome confirms it, and returns
    /// the bytes to send. The oldest leaves a full buffer, remembered by number until a welcome tells whether it was lost.
    /// </summary>
    private byte[] NumberAndKeep(Outgoing message)
    {
        var number = ++_lastNumber;
        Span<byte> header = stackalloc byte[MessageHeader.MaxWrittenLength];
        var length = MessageHeader.Write(header, 0, number);
        var wire = new byte[length + message.Payload.Length];
        header[..length].CopyTo(wire);
        message.Payload.CopyTo(wire.AsSpan(length));
        _unconfirmed.Enqueue(new SentMessage(number, new ClientMessage(message.Type, message.Payload), wire));
        while (_unconfirmed.Count > _options.QueueCapacity)
        {
            _evicted.Enqueue(_unconfirmed.Dequeue().Number);
            if (_evicted.Count > _options.QueueCapacity) _evictedForgotten = _evicted.Dequeue();
        }
        return wire;
    }

    /// <summary>Whether a message at this position is new; it then becomes the stream's last position. Another epoch is always new.</summary>
    private bool Advance(string stream, string epoch, long offset)
    {
        lock (_positions)
        {
            if (_positions.TryGetValue(stream, out var last) && last.Epoch == epoch && offset <= last.Offset) return false;
            _positions[stream] = new StreamPosition(epoch, offset);
            return true;
        }
    }

    /// <summary>A stream this connection now receives, at its current position: where to resume it from even if nothing follows. False when malformed.</summary>
    private bool Subscribed(ReadOnlySpan<byte> payload)
    {
        if (!SessionMessages.TryReadPosition(payload, withCount: false, out var stream, out var position, out _)) return false;
        Advance(stream, position.Epoch, position.Offset);
        return true;
    }

    /// <summary>What the server could not replay: raised as <see cref="Gap"/>, never delivered as a message. False when malformed.</summary>
    private bool ReportGap(ReadOnlySpan<byte> payload)
    {
        if (!SessionMessages.TryReadPosition(payload, withCount: true, out var stream, out var position, out var count)) return false;
        Gap?.Invoke(new StreamGap(stream, position.Epoch, position.Offset, count));
        return true;
    }

    /// <summary>A numbered message kept for resending: its number, its payload, and the bytes it went out as.</summary>
    private sealed record SentMessage(long Number, ClientMessage Message, byte[] Wire);
}
