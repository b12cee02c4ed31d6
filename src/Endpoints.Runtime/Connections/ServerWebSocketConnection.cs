using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Unicode;
using System.Threading.Channels;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Protocol;
using Microsoft.AspNetCore.Http;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// The public face of one connection: who it is, its <see cref="Closed"/> token, and the sends and closes user code
/// calls. Sending is the <see cref="Transmitter"/>'s business, closing the <see cref="CloseHandshake"/>'s and keeping the
/// connection alive <see cref="KeepAlive"/>'s; this class only hands calls to them. It also takes the control frames the
/// reader finds: a ping is answered with a pong, a pong goes to keep-alive.
/// </summary>
internal sealed class ServerWebSocketConnection : WebSocketConnection, IControlFrameSink, IFanOutReceiver, IDisposable
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly HttpContext _context;
    // Created on first use: most connections never touch Outbox.
    private OutboxWriter? _outboxWriter;
    private readonly KeepAlive? _keepAlive;
    private readonly MessageDeflater? _deflater;
    // Created on first use: most connections never ask for it.
    private CancellationTokenSource? _closed;
    private bool _markedEnded;
    private bool _disposed;

    public ServerWebSocketConnection(HttpContext context, Stream stream, string? subProtocol, PerMessageDeflate? deflate, MappedEndpoint endpoint)
    {
        _context = context;
        // Kept, not read live: the context is recycled after the request, and code may keep the connection longer.
        User = context.User;
        Aborted = context.RequestAborted;
        Endpoint = endpoint;
        Stream = stream;
        SubProtocol = subProtocol;
        SpeaksEnvelope = Envelope.IsNegotiated(subProtocol);
        Deflate = deflate;
        if (deflate is not null) _deflater = new MessageDeflater(deflate.ServerNoContextTakeover);
        Transmitter = new Transmitter(this, new FrameWriter(stream, _deflater));
        CloseHandshake = Transmitter.Close;
        if (endpoint.Options.KeepAliveInterval > TimeSpan.Zero) _keepAlive = new KeepAlive(this);
    }

    /// <summary>What this connection shares with the others of its endpoint: services, limits, registry.</summary>
    public MappedEndpoint Endpoint { get; }

    /// <summary>The connection's duplex stream, after the upgrade.</summary>
    public Stream Stream { get; }

    /// <summary>The permessage-deflate settings agreed in the handshake, if any.</summary>
    public PerMessageDeflate? Deflate { get; }

    public Transmitter Transmitter { get; }

    public CloseHandshake CloseHandshake { get; }

    /// <summary>Whether keep-alive gave up on the peer (no pong in time).</summary>
    public bool KeepAliveTimedOut => _keepAlive?.TimedOut == true;

    public override string Id => _id ??= _context.TraceIdentifier;

    private string? _id;

    public override string? UserId => Registration?.UserId;

    /// <summary>Its place in its endpoint's registry of live connections, from the upgrade until it ends.</summary>
    public RegisteredConnection? Registration { get; private set; }

    /// <summary>
    /// Enters the endpoint's registry; <see cref="Unregister"/> must follow, however the connection ends. What runs the
    /// connection is told through <paramref name="hostStopping"/> when the host stops.
    /// </summary>
    public void Register(string connectionIdPrefix, string? userId, IHostStoppingListener hostStopping)
    {
        // Unique across the servers that share a backplane: the node id comes first.
        _id = connectionIdPrefix + _context.TraceIdentifier;
        // A resumable client's hello says whether it continues a session: its opening is reported then.
        Registration = Endpoint.Registry.Add(this, userId, hostStopping, announceLater: SpeaksEnvelope && Endpoint.Registry.Streams is not null);
    }

    /// <summary>Leaves every group and the registry (and its session, which is kept for its client to come back). Idempotent.</summary>
    public void Unregister()
    {
        if (Registration is not { } registration) return;
        var grace = TimeSpan.Zero;
        if (Subscriber is { } subscriber && Interlocked.Exchange(ref _leftSession, 1) == 0 && Endpoint.Registry.Streams is { } streams)
        {
            streams.Close(subscriber, registration.UserId, Endpoint.Registry.GroupsOf(registration));
            grace = streams.PresenceGrace;
        }
        Endpoint.Registry.Remove(registration, grace);
    }

    private int _leftSession;
    private int _helloSeen;

    /// <summary>Its session on a resumable endpoint, once its client's hello opened or resumed one.</summary>
    public StreamSubscriber? Subscriber { get; private set; }

    public override bool IsResumed => Subscriber?.Resumed == true;

    /// <summary>
    /// The client's hello: opens or resumes its session, sends the welcome, then replays what the client missed of all,
    /// its user and its session and makes them live. On an endpoint that is not resumable, just the welcome.
    /// </summary>
    public async ValueTask HelloAsync(string? token, Dictionary<string, StreamPosition> positions)
    {
        if (Interlocked.Exchange(ref _helloSeen, 1) == 1) return; // a second hello: ignored
        if (Endpoint.Registry.Streams is not { } streams || Registration is not { } registration)
        {
            Transmitter.TryEnqueue(WebSocketMessage.FromUtf8Text(ResumableStreams.NotResumableWelcome), ResumableStreams.WelcomeHeader);
            return;
        }
        var (subscriber, sessionToken) = await streams.OpenAsync(Id, registration.UserId, token, positions, Aborted).ConfigureAwait(false);
        Subscriber = subscriber;
        Endpoint.Registry.Announce(registration, subscriber.Session.Id, subscriber.Resumed, subscriber.HeldElsewhere);
        if (!Transmitter.TryEnqueue(WebSocketMessage.FromUtf8Text(ResumableStreams.Welcome(subscriber, sessionToken)), ResumableStreams.WelcomeHeader)) ReplayIncomplete();
        if (!await streams.GoLiveAsync(registration, subscriber, Aborted).ConfigureAwait(false)) ReplayIncomplete();
    }

    bool IFanOutReceiver.TryEnqueue(WebSocketMessage message, byte[] header)
    {
        if (!SpeaksEnvelope) return Transmitter.TryEnqueue(message);
        if (Transmitter.TryEnqueue(message, header)) return true;
        // A numbered message this client does not get would be skipped silently by the next one: it comes back for it.
        if (Subscriber is not null) ReplayIncomplete();
        return false;
    }

    bool IFanOutReceiver.TryEnqueueControl(WebSocketMessage message, byte[] header) => !SpeaksEnvelope || Transmitter.TryEnqueue(message, header);

    bool IFanOutReceiver.TryEnqueueNumbered(WebSocketMessage message, byte[] header, StreamAudience audience, string stream, string epoch, long offset)
    {
        if (!SpeaksEnvelope) return Transmitter.TryEnqueue(message);
        // Before its hello: its replay starts after this message, which came before the subscription.
        if (Subscriber is not { } subscriber) return true;
        switch (subscriber.Offer(stream, audience, epoch, offset, message, header))
        {
            case Offer.Send:
                return ((IFanOutReceiver)this).TryEnqueue(message, header);
            case Offer.Overflow:
                ReplayIncomplete();
                return false;
            default:
                return true;
        }
    }

    /// <summary>A replay did not fit in the outbox: closed with 1013 so that the client comes back and resumes from what it got.</summary>
    public void ReplayIncomplete()
        => CloseHandshake.TryRequest((WebSocketCloseStatus)1013, "Try again later", WebSocketCloseReason.PolicyViolation);

    /// <summary>
    /// A message of the connection's own: on a resumable session numbered and kept in the session's stream (under its
    /// lock, so the numbers go out in order), else as it is.
    /// </summary>
    private ValueTask SendOwnAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (Subscriber is null || Endpoint.Registry.Streams is null) return Transmitter.SendAsync(message, cancellationToken);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        return Numbered(message, cancellationToken, static (connection, message, header, cancellationToken) => connection.Transmitter.SendAsync(message, cancellationToken, header),
            static () => ValueTask.FromException(SupersededError()));
    }

    /// <summary>As <see cref="SendOwnAsync"/>, waiting only for room in the outbox.</summary>
    private ValueTask EnqueueOwnAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (Subscriber is null || Endpoint.Registry.Streams is null) return Transmitter.EnqueueAsync(message, cancellationToken);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        return Numbered(message, cancellationToken, static (connection, message, header, cancellationToken) => connection.Transmitter.EnqueueAsync(message, cancellationToken, header),
            static () => ValueTask.FromException(SupersededError()));
    }

    /// <summary>As <see cref="SendOwnAsync"/>, without waiting.</summary>
    private bool TryEnqueueOwn(WebSocketMessage message)
    {
        if (Subscriber is null || Endpoint.Registry.Streams is null) return Transmitter.TryEnqueue(message);
        return Numbered(message, default, static (connection, message, header, _) =>
        {
            if (connection.Transmitter.TryEnqueue(message, header)) return true;
            connection.ReplayIncomplete();
            return false;
        }, static () => false);
    }

    /// <summary>
    /// Numbers and keeps a message in the session's stream and hands it to <paramref name="send"/> with its header, under
    /// the stream's lock; <paramref name="superseded"/> when a newer connection of the session owns it.
    /// </summary>
    private T Numbered<T>(WebSocketMessage message, CancellationToken cancellationToken, Func<ServerWebSocketConnection, WebSocketMessage, byte[], CancellationToken, T> send,
        Func<T> superseded)
    {
        var subscriber = Subscriber!;
        var streams = Endpoint.Registry.Streams!;
        // Its client came back on a newer connection: numbering here would give the session's stream an offset that
        // connection never sees.
        if (subscriber.Session.Owner is { } owner && owner != Id) return superseded();
        while (true)
        {
            var stream = streams.Stream(subscriber.Session.StreamName);
            lock (stream.Gate)
            {
                if (stream.Evicted) continue;
                return send(this, message, streams.Keep(stream, message).Header, cancellationToken);
            }
        }
    }

    private static WebSocketException SupersededError()
        => new(WebSocketError.InvalidState, "The client continues this session on a newer connection; send there (or through IWebSocketClients.User).");

    public override ValueTask JoinGroupAsync(string group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (Registration is not { } registration) return default;
        if (Endpoint.Registry.Streams is not null) return JoinResumableAsync(registration, group, cancellationToken);
        if (!Endpoint.Registry.JoinGroup(registration, group)) return default;
        // With other servers: done when this one receives what they send to the group.
        return Endpoint.Registry.WhenBackplaneAppliedAsync(cancellationToken);
    }

    private async ValueTask JoinResumableAsync(RegisteredConnection registration, string group, CancellationToken cancellationToken)
    {
        if (!await Endpoint.Registry.JoinGroupAsync(registration, group, cancellationToken).ConfigureAwait(false)) return;
        await Endpoint.Registry.WhenBackplaneAppliedAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask LeaveGroupAsync(string group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (Registration is { } registration) Endpoint.Registry.Leave(registration, group);
        return default;
    }

    bool IFanOutReceiver.TryEnqueue(WebSocketMessage message) => Transmitter.TryEnqueue(message);

    public override ValueTask SendAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default)
        => SendOwnAsync(Codec.Encode(message), cancellationToken);

    public override bool TrySend<TMessage>(TMessage message) => TryEnqueueOwn(Codec.Encode(message));

    private ITypedMessageEncoder Codec
        => Endpoint.Registry.Codec ?? throw new NotSupportedException("This connection's endpoint declares no typed messages (Sends on its [WebSocketEndpoint]).");

    /// <summary>Whether the client negotiated <c>endpoints.v1</c>: its messages carry headers, and it can be asked and answered.</summary>
    public bool SpeaksEnvelope { get; }

    // The client's request being handled (0: none), and whether the handler answered it with a reply already.
    private long _handling;
    private bool _answered;

    /// <summary>The receive loop hands a message to the handler; <paramref name="requestId"/> is its request id, 0 if it asks for no answer.</summary>
    public void BeginHandling(long requestId)
    {
        _handling = requestId;
        _answered = false;
    }

    /// <summary>The request id of the message just handled that is still owed an answer; 0 when none is.</summary>
    public long UnansweredRequest => _answered ? 0 : _handling;

    /// <summary>
    /// What an <c>OnMessage</c> returned: the answer to the client's request when the message was one, else an ordinary
    /// message (a plain client, or a message sent without asking for an answer).
    /// </summary>
    public ValueTask ReplyAsync(WebSocketMessage reply)
    {
        if (_handling == 0 || _answered) return Transmitter.SendAsync(reply, CancellationToken.None);
        _answered = true;
        return Transmitter.SendAsync(reply, CancellationToken.None, Envelope.Answer(_handling));
    }

    /// <summary>This server's requests to the client that wait for an answer; made on the first one.</summary>
    public PendingRequests Requests
    {
        get
        {
            if (Volatile.Read(ref _requests) is { } requests) return requests;
            var created = new PendingRequests();
            if (Interlocked.CompareExchange(ref _requests, created, null) is { } existing) return existing;
            // Made after the connection ended: nothing will answer, so it takes no request.
            if (Volatile.Read(ref _markedEnded)) created.End();
            return created;
        }
    }

    private PendingRequests? _requests;

    public override async Task<TReply> RequestAsync<TMessage, TReply>(TMessage message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!SpeaksEnvelope)
        {
            throw new NotSupportedException($"The client did not negotiate the {Envelope.SubProtocol} subprotocol, so it cannot answer a request (docs/protocol.md).");
        }
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive or infinite.");
        cancellationToken.ThrowIfCancellationRequested();
        var codec = Codec;
        var encoded = codec.Encode(message);
        var replyType = codec.TypeInfo<TReply>()
            ?? throw new NotSupportedException($"'{typeof(TReply).Name}' is not in the endpoint's JsonSerializerContext; add [JsonSerializable(typeof({typeof(TReply).Name}))] to it.");
        var pending = new PendingRequest<TReply>(replyType);
        var id = Requests.Add(pending);
        if (id == 0) throw PendingRequests.Ended();
        // The timeout covers the send too: a full outbox to a peer that reads nothing must not hold the request.
        using var timedOut = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, Endpoint.Time);
        using var onTimeout = timedOut.Token.Register(static state => ((PendingRequest)state!).Fail(new TimeoutException("The client did not answer the request in time.")), pending);
        using var cancelled = cancellationToken.Register(static (state, token) => ((PendingRequest)state!).Cancel(token), pending);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timedOut.Token);
        try
        {
            try
            {
                await Transmitter.SendAsync(encoded, sending.Token, Envelope.Request(id)).ConfigureAwait(false);
            }
            catch (WebSocketException exception)
            {
                throw PendingRequests.Ended(exception);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Timed out while waiting for room: the pending request holds the TimeoutException.
            }
            return await pending.Reply.ConfigureAwait(false);
        }
        finally
        {
            Requests.Remove(id);
        }
    }

    public override ClaimsPrincipal User { get; }

    /// <summary>Fires when the connection is dropped (by <see cref="Abort"/>, the close deadline, or the transport).</summary>
    public CancellationToken Aborted { get; }

    /// <summary>Whether the connection has been dropped.</summary>
    public bool IsAborted => Aborted.IsCancellationRequested;

    public override string? SubProtocol { get; }

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

    public override ChannelWriter<WebSocketMessage> Outbox => _outboxWriter ??= new OutboxWriter(this);

    public override ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendOwnAsync(WebSocketMessage.FromText(text), cancellationToken);
    }

    public override ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken = default)
    {
        // Checked here, in the sender's call: invalid UTF-8 on the wire would make the peer close the connection (1007).
        if (!Utf8.IsValid(utf8.Span)) throw new ArgumentException("The bytes are not valid UTF-8, so they cannot be sent as text.", nameof(utf8));
        return SendOwnAsync(WebSocketMessage.FromUtf8Text(utf8), cancellationToken);
    }

    public override ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendOwnAsync(WebSocketMessage.FromBinary(data), cancellationToken);

    public override bool TrySendText(string text) => TryEnqueueOwn(WebSocketMessage.FromText(text));

    public override bool TrySendBinary(ReadOnlyMemory<byte> data) => TryEnqueueOwn(WebSocketMessage.FromBinary(data));

    public override ValueTask SendBinaryStreamAsync(Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Transmitter.SendStreamAsync(text: false, write, cancellationToken);
    }

    public override ValueTask SendTextStreamAsync(Func<TextWriter, CancellationToken, ValueTask> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Transmitter.SendStreamAsync(text: true, async (stream, token) =>
        {
            var writer = new StreamWriter(stream, s_utf8, bufferSize: 4096, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                await write(writer, token).ConfigureAwait(false);
                await writer.FlushAsync(token).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    public override Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null)
    {
        ValidateClose(status, description);
        CloseHandshake.TryRequest(status, description, WebSocketCloseReason.ServerClosed);
        return CloseHandshake.WhenFrameWritten();
    }

    /// <summary>
    /// What RFC 6455 7.4 lets a server put in a close frame, checked where the app asks, as System.Net.WebSockets does: a
    /// code that may not be sent, or a reason over 123 bytes, is the caller's mistake, not something to change silently.
    /// </summary>
    private static void ValidateClose(WebSocketCloseStatus status, string? description)
    {
        if (status == WebSocketCloseStatus.Empty)
        {
            if (!string.IsNullOrEmpty(description)) throw new ArgumentException("A close without a status (Empty) cannot carry a description.", nameof(description));
            return;
        }
        if (!Frame.IsValidCloseStatus((int)status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), (int)status,
                "RFC 6455 allows 1000-1003, 1007-1014 and 3000-4999 in a close frame (1004-1006 and 1015 are reserved, 0-999 and 1016-2999 unused).");
        }
        if (description is not null && s_utf8.GetByteCount(description) > Frame.MaxControlPayload - 2)
        {
            throw new ArgumentException($"A close description is at most {Frame.MaxControlPayload - 2} bytes of UTF-8.", nameof(description));
        }
    }

    void IControlFrameSink.OnPing(ReadOnlySpan<byte> payload) => Transmitter.TrySendControl(Frame.Pong, payload);

    void IControlFrameSink.OnPong(ReadOnlySpan<byte> payload) => _keepAlive?.OnPong(payload);

    /// <summary>
    /// Drops the connection at once: no close handshake, pending reads and writes fail. Safe from any thread at any
    /// time, timers included: once the request has ended its context may already be recycled.
    /// </summary>
    public void Abort()
    {
        if (Volatile.Read(ref _disposed)) return;
        try
        {
            _context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request ended meanwhile: nothing is left to abort.
        }
    }

    /// <summary>Marks the connection as ended: cancels <see cref="Closed"/>.</summary>
    public void MarkEnded()
    {
        Volatile.Write(ref _markedEnded, true);
        CloseHandshake.End();
        Volatile.Read(ref _requests)?.End();
        _keepAlive?.Dispose();
        try
        {
            Volatile.Read(ref _closed)?.Cancel();
        }
        catch (AggregateException exception)
        {
            Log.ClosedCallbackFailed(Endpoint.Logger, exception, Id);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        CloseHandshake.End();
        _keepAlive?.Dispose();
        _deflater?.Dispose();
        Volatile.Read(ref _closed)?.Dispose();
    }

    /// <summary>The public face of the outbox: plain messages in, and completing it closes the connection.</summary>
    private sealed class OutboxWriter(ServerWebSocketConnection connection) : ChannelWriter<WebSocketMessage>
    {
        public override bool TryWrite(WebSocketMessage item) => connection.TryEnqueueOwn(item);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
            => connection.Transmitter.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(WebSocketMessage item, CancellationToken cancellationToken = default)
            => connection.EnqueueOwnAsync(item, cancellationToken);

        public override bool TryComplete(Exception? error = null) => error is null
            ? connection.CloseHandshake.TryRequest(WebSocketCloseStatus.NormalClosure, null, WebSocketCloseReason.ServerClosed)
            : connection.CloseHandshake.TryRequest(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error);
    }
}
