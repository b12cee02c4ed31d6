using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace Endpoints.Client;

/// <summary>
/// A WebSocket connection to one URL that reconnects by itself: exponential backoff with full jitter, sends queued
/// while away (bounded), state events, and received messages as an <see cref="IAsyncEnumerable{T}"/>. It stops for
/// good after a deliberate server close (1000, 1008), a refused upgrade (4xx other than 408 and 429) or
/// <see cref="CloseAsync"/>. Delivery is at most once: a message in flight when the connection drops is lost.
/// When the server speaks <c>endpoints.v1</c> (see <see cref="EndpointsClientOptions.OfferEndpointsProtocol"/>),
/// messages can also be answered both ways: <see cref="RequestAsync{TMessage, TReply}"/>, the <c>…WithAckAsync</c>
/// sends and <see cref="OnRequest{TMessage, TReply}(string, JsonTypeInfo{TMessage}, JsonTypeInfo{TReply}, Func{TMessage, CancellationToken, ValueTask{TReply}})"/>;
/// and on a resumable endpoint delivery survives a reconnect both ways: what the server sent meanwhile is replayed
/// once, and what the client sent is handled once (see <see cref="Session"/>).
/// </summary>
public sealed partial class EndpointsClient : IAsyncDisposable
{
    /// <summary>The subprotocol that carries a header in front of every message, which lets messages be answered.</summary>
    public const string EndpointsSubProtocol = MessageHeader.SubProtocol;

    private static readonly WebSocketCloseStatus[] s_final = [WebSocketCloseStatus.NormalClosure, WebSocketCloseStatus.PolicyViolation];

    private readonly Uri _uri;
    private readonly EndpointsClientOptions _options;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<Outgoing> _queue = new();
    private readonly Channel<ClientMessage> _received = Channel.CreateBounded<ClientMessage>(new BoundedChannelOptions(1024) { SingleWriter = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _firstOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Connection? _connection;
    private int _state = (int)ClientState.Connecting;
    private Task? _run;
    private int _attempt;

    /// <summary>A client for <paramref name="uri"/> (ws:// or wss://); call <see cref="StartAsync"/> to connect.</summary>
    public EndpointsClient(Uri uri, EndpointsClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        _uri = uri;
        _options = options ?? new EndpointsClientOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.QueueCapacity);
        ValidateTimeout(_options.RequestTimeout, "options.RequestTimeout");
        if (_options.WelcomeTimeout <= TimeSpan.Zero && _options.WelcomeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException("options.WelcomeTimeout", _options.WelcomeTimeout, "The welcome timeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    /// <summary>Connecting, Open, Reconnecting or Closed.</summary>
    public ClientState State => (ClientState)Volatile.Read(ref _state);

    /// <summary>
    /// The subprotocol the server picked for the current connection (<see cref="EndpointsSubProtocol"/> when it speaks
    /// <c>endpoints.v1</c>); null when it picked none or there is no connection.
    /// </summary>
    public string? SubProtocol => Volatile.Read(ref _connection)?.SubProtocol;

    /// <summary>The JSON property that names a typed message's type (<see cref="EndpointsClientOptions.TypeProperty"/>).</summary>
    public string TypeProperty => _options.TypeProperty;

    /// <summary>Sends waiting for the connection.</summary>
    public int Queued
    {
        get
        {
            lock (_queue) return _queue.Count;
        }
    }

    /// <summary>Raised on every state change, on the thread that made it; keep it short.</summary>
    public event Action<ClientStateChange>? StateChanged;

    /// <summary>Starts connecting; completes when the first attempt opened, or the client closed for good (see <see cref="State"/>).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _run ??= Task.Run(RunAsync, CancellationToken.None);
        return _firstOutcome.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends text now, or when the connection is back. False when the queue dropped it (DropNewest).</summary>
    public ValueTask<bool> SendTextAsync(string text, CancellationToken cancellationToken = default)
        => SendAsync(new Outgoing(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text)), cancellationToken);

    /// <summary>Sends binary now, or when the connection is back.</summary>
    public ValueTask<bool> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(new Outgoing(WebSocketMessageType.Binary, data.ToArray()), cancellationToken);

    /// <summary>Sends a typed message as JSON through source-generated metadata; with <paramref name="typeName"/>, as <c>{"type":"name",…}</c>.</summary>
    public ValueTask<bool> SendAsync<T>(T message, JsonTypeInfo<T> typeInfo, string? typeName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return SendAsync(new Outgoing(WebSocketMessageType.Text, Serialize(message, typeInfo, typeName)), cancellationToken);
    }

    /// <summary>
    /// Every received message, in order, across reconnects; ends when the client closes for good. On an
    /// <c>endpoints.v1</c> connection, the payload without its header; answers to requests, the server's requests and
    /// control messages are not delivered here, nor a stream's message the client received already (a replay after a
    /// reconnect). Read it steadily: after 1,024 unread messages the receive loop waits, and answers wait
    /// behind it.
    /// </summary>
    public IAsyncEnumerable<ClientMessage> ReadAllAsync(CancellationToken cancellationToken = default) => _received.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Reads typed messages: each text message's JSON as <typeparamref name="T"/> (others are skipped).</summary>
    public async IAsyncEnumerable<T> ReadAllAsync<T>(JsonTypeInfo<T> typeInfo, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (message.MessageType != WebSocketMessageType.Text) continue;
            T? value;
            try
            {
                value = JsonSerializer.Deserialize(message.Data.Span, typeInfo);
            }
            catch (JsonException)
            {
                continue;
            }
            if (value is not null) yield return value;
        }
    }

    /// <summary>Closes for good (1000), without reconnecting. Requests still unanswered fail.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (State == ClientState.Closed)
        {
            FailAllRequests();
            return;
        }
        _closing.Cancel();
        if (Volatile.Read(ref _connection)?.Socket is { State: WebSocketState.Open } socket)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // it went away meanwhile
            }
        }
        SetState(ClientState.Closed, null, "closed by the client");
        if (_run is not null) await _run.ConfigureAwait(false);
        FailAllRequests();
    }

    /// <summary>Closes (see <see cref="CloseAsync"/>) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    private bool IsClosedForGood => State == ClientState.Closed || _closing.IsCancellationRequested;

    private byte[] Serialize<T>(T message, JsonTypeInfo<T> typeInfo, string? typeName)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        if (typeName is not null)
        {
            if (json.Length < 2 || json[0] != (byte)'{') throw new InvalidOperationException($"'{typeof(T).Name}' must serialize as a JSON object to carry its type.");
            var head = Encoding.UTF8.GetBytes($"{{\"{JsonEncodedText.Encode(_options.TypeProperty)}\":\"{JsonEncodedText.Encode(typeName)}\"{(json.Length > 2 ? "," : "")}");
            json = [.. head, .. json.AsSpan(1)];
        }
        return json;
    }

    /// <summary>The one place a send is written now or queued for the next connection.</summary>
    private async ValueTask<bool> SendAsync(Outgoing message, CancellationToken cancellationToken)
    {
        if (IsClosedForGood) throw new InvalidOperationException("The client is closed for good; create a new one.");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == ClientState.Open && Volatile.Read(ref _connection) is { Socket.State: WebSocketState.Open } connection)
            {
                try
                {
                    // A request's cancellation only takes it back while queued; on the wire it finishes (its answer is then dropped).
                    await WriteAsync(connection, message, message.Request is null ? cancellationToken : CancellationToken.None).ConfigureAwait(false);
                    return true;
                }
                catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException)
                {
                    // Lost while sending. A plain message is queued for the next connection (at most once: the server may
                    // have it); a request fails instead, as the server may have handled it.
                    if (message.Request is { } request)
                    {
                        FailRequest(request, ConnectionLost(request));
                        return true;
                    }
                    // Numbered on a resumable session: kept, and sent again after the welcome if the server lacks it.
                    if (connection.Numbered) return true;
                }
            }
            return Enqueue(message);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private bool Enqueue(Outgoing message)
    {
        lock (_queue)
        {
            if (_queue.Count >= _options.QueueCapacity)
            {
                switch (_options.QueueOverflow)
                {
                    case QueueOverflow.Throw:
                        throw new InvalidOperationException($"The send queue is full ({_options.QueueCapacity} messages) while the client is {State}.");
                    case QueueOverflow.DropNewest:
                        if (message.Request is { } request)
                        {
                            FailRequest(request, new InvalidOperationException($"The send queue is full ({_options.QueueCapacity} messages): request {request.Id} was not sent."));
                        }
                        return false;
                    default:
                        if (_queue.Dequeue().Request is { } dropped)
                        {
                            FailRequest(dropped, new InvalidOperationException($"Request {dropped.Id} was dropped from the full send queue ({_options.QueueCapacity} messages) before it was sent."));
                        }
                        break;
                }
            }
            _queue.Enqueue(message);
            return true;
        }
    }

    /// <summary>
    /// Writes one message on <paramref name="connection"/> (under the send lock): as it is on a plain connection, behind
    /// its header on an <c>endpoints.v1</c> one. A request is marked as sent on this connection before it goes out.
    /// </summary>
    private async ValueTask WriteAsync(Connection connection, Outgoing message, CancellationToken cancellationToken)
    {
        var request = message.Request;
        if (request is not null)
        {
            if (!connection.Envelope)
            {
                FailRequest(request, NotSpoken(connection));
                return;
            }
            if (request.Task.IsCompleted) return; // timed out or cancelled while it waited
            Volatile.Write(ref request.SentOn, connection);
        }
        if (!connection.Envelope)
        {
            await connection.Socket.SendAsync(message.Payload, message.Type, true, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (connection.Numbered && request is null)
        {
            await connection.Socket.SendAsync(NumberAndKeep(message), message.Type, true, cancellationToken).ConfigureAwait(false);
            return;
        }
        // A request takes a number too on a resumable session, but is never kept: it is not sent again.
        var number = connection.Numbered ? ++_lastNumber : 0;
        var buffer = ArrayPool<byte>.Shared.Rent(MessageHeader.MaxWrittenLength + message.Payload.Length);
        try
        {
            var length = MessageHeader.Write(buffer, request?.Id ?? 0, number);
            message.Payload.CopyTo(buffer.AsSpan(length));
            await connection.Socket.SendAsync(buffer.AsMemory(0, length + message.Payload.Length), message.Type, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task RunAsync()
    {
        var token = _closing.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var (opened, stop) = await ConnectAndReceiveAsync(token).ConfigureAwait(false);
                if (stop || token.IsCancellationRequested) break;
                if (_options.Reconnect.MaxAttempts is { } max && _attempt >= max)
                {
                    SetState(ClientState.Closed, null, $"gave up after {max} attempts");
                    break;
                }
                var delay = _options.Reconnect.Delay(_attempt++, _options.Random());
                SetState(ClientState.Reconnecting, null, opened ? "connection lost" : "connection failed", _attempt, delay);
                await Task.Delay(delay, _options.TimeProvider, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // CloseAsync
        }
        finally
        {
            _received.Writer.TryComplete();
            FailAllRequests();
            _firstOutcome.TrySetResult();
        }
    }

    /// <summary>
    /// One connection: connect, flush the queue (on <c>endpoints.v1</c>: say hello, and flush at the welcome), receive
    /// until it ends. Stop is true when it must not reconnect.
    /// </summary>
    private async Task<(bool Opened, bool Stop)> ConnectAndReceiveAsync(CancellationToken token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        _options.ConfigureSocket?.Invoke(socket.Options);
        if (_options.OfferEndpointsProtocol)
        {
            try
            {
                socket.Options.AddSubProtocol(EndpointsSubProtocol);
            }
            catch (ArgumentException)
            {
                // ConfigureSocket offered it already
            }
        }
        var uri = _uri;
        try
        {
            if (_options.AccessToken is { } accessToken && await accessToken(token).ConfigureAwait(false) is { Length: > 0 } value)
            {
                var builder = new UriBuilder(_uri);
                var query = builder.Query.TrimStart('?');
                builder.Query = (query.Length > 0 ? query + "&" : "") + "access_token=" + Uri.EscapeDataString(value);
                uri = builder.Uri;
            }
            await socket.ConnectAsync(uri, token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or HttpRequestException or IOException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                SetState(ClientState.Closed, null, $"the server refused the connection (HTTP {status})");
                return (false, true);
            }
            return (false, false);
        }

        var connection = new Connection(socket);
        try
        {
            var ready = connection.Envelope ? await HelloAsync(connection, token).ConfigureAwait(false) : await FlushAsync(connection, token).ConfigureAwait(false);
            if (!ready) return (false, false);

            // The backoff starts over once the connection has stayed up: a server that accepts and drops is not hammered.
            using var stable = _options.TimeProvider.CreateTimer(static state => Volatile.Write(ref ((EndpointsClient)state!)._attempt, 0), this,
                _options.Reconnect.StableAfter, Timeout.InfiniteTimeSpan);
            return await ReceiveAsync(connection, token).ConfigureAwait(false);
        }
        finally
        {
            await EndAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>Makes a plain <paramref name="connection"/> the current one and sends what waited, before anything sent after it.</summary>
    private async Task<bool> FlushAsync(Connection connection, CancellationToken token)
    {
        await _sendLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _connection, connection);
            await WriteQueuedAsync(connection, token).ConfigureAwait(false);
            Volatile.Write(ref _resumed, false);
            SetState(ClientState.Open, null, null);
            return true;
        }
        catch (WebSocketException)
        {
            return false; // a request it was writing is failed by EndAsync (marked as sent on this connection)
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Writes what waited in the queue, in order (under the send lock).</summary>
    private async Task WriteQueuedAsync(Connection connection, CancellationToken token)
    {
        while (true)
        {
            Outgoing next;
            lock (_queue)
            {
                if (!_queue.TryDequeue(out next)) break;
            }
            await WriteAsync(connection, next, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The end of a connection, whatever ended it: no send uses it again, its request handlers are cancelled, and the
    /// requests sent on it fail (the server may or may not have handled them; they are not sent again).
    /// </summary>
    private async Task EndAsync(Connection connection)
    {
        Interlocked.CompareExchange(ref _connection, null, connection);
        connection.End();
        // A send that took this connection before it was cleared has marked its request by the time the lock is free.
        await _sendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _sendLock.Release();
        FailRequestsSentOn(connection);
    }

    private async Task<(bool Opened, bool Stop)> ReceiveAsync(Connection connection, CancellationToken token)
    {
        var socket = connection.Socket;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = socket.CloseStatus;
                    try
                    {
                        await socket.CloseOutputAsync(status ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (WebSocketException)
                    {
                    }
                    if (status is { } code && s_final.Contains(code))
                    {
                        SetState(ClientState.Closed, code, socket.CloseStatusDescription);
                        return (true, true);
                    }
                    return (true, false);
                }
                if (message.WrittenCount + result.Count > _options.MaxMessageSize)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None).ConfigureAwait(false);
                    return (true, false);
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage) continue;
                if (!await DispatchAsync(connection, result.MessageType, message.WrittenMemory, token).ConfigureAwait(false))
                {
                    // A broken header: one close frame, nothing after it is handled, and the client reconnects.
                    await socket.CloseOutputAsync(WebSocketCloseStatus.ProtocolError, "Malformed endpoints.v1 header.", CancellationToken.None).ConfigureAwait(false);
                    return (true, false);
                }
                message.ResetWrittenCount();
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException)
        {
            return (true, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Hands a received message on: to <see cref="ReadAllAsync(CancellationToken)"/>, to the request it answers, or to
    /// a request handler. False when its <c>endpoints.v1</c> header is malformed.
    /// </summary>
    private async ValueTask<bool> DispatchAsync(Connection connection, WebSocketMessageType type, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        if (connection.Envelope)
        {
            if (!MessageHeader.TryParse(data.Span, out var header)) return false;
            data = data[header.PayloadStart..];
            if (header.Kind is { } kind)
            {
                return kind switch
                {
                    "welcome" => await WelcomedAsync(connection, data, token).ConfigureAwait(false),
                    "sub" => Subscribed(data.Span),
                    "gap" => ReportGap(data.Span),
                    _ => true, // a control message of a later version: ignored as a whole
                };
            }
            if (header.Re is { } re)
            {
                CompleteRequest(re, header.Error, data);
                return true;
            }
            // Already received (sent again after a reconnect): dropped.
            if (header.Stream is { } stream && !Advance(stream, header.Epoch!, header.Offset)) return true;
            if (header.Id is { } id)
            {
                StartAnswering(connection, id, type, data.ToArray());
                return true;
            }
        }
        await _received.Writer.WriteAsync(new ClientMessage(type, data.ToArray()), token).ConfigureAwait(false);
        return true;
    }

    private void SetState(ClientState state, WebSocketCloseStatus? status, string? reason, int attempt = 0, TimeSpan delay = default)
    {
        var previous = (ClientState)Interlocked.Exchange(ref _state, (int)state);
        if (previous == ClientState.Closed && state != ClientState.Closed)
        {
            Volatile.Write(ref _state, (int)ClientState.Closed); // closed is for good
            return;
        }
        if (previous == state && state == ClientState.Closed) return;
        if (state is ClientState.Open or ClientState.Closed) _firstOutcome.TrySetResult();
        StateChanged?.Invoke(new ClientStateChange(state, previous, status, reason, attempt, delay));
    }

    /// <summary>A message to send: its payload without any header; <see cref="Request"/> when it wants an answer.</summary>
    private readonly record struct Outgoing(WebSocketMessageType Type, byte[] Payload, PendingRequest? Request = null);

    /// <summary>One connection's socket, what it negotiated, its wait for the welcome, and the token its request handlers get.</summary>
    private sealed class Connection(ClientWebSocket socket)
    {
        private readonly CancellationTokenSource _ended = new();
        private int _awaitingWelcome;
        private ITimer? _welcomeTimer;

        /// <summary>A resumable welcome came: what goes out is numbered (set and read under the send lock).</summary>
        public bool Numbered { get; set; }

        /// <summary>Its hello went out and neither the welcome nor the timeout came yet.</summary>
        public bool AwaitsWelcome => Volatile.Read(ref _awaitingWelcome) == 1;

        public ClientWebSocket Socket { get; } = socket;

        public string? SubProtocol { get; } = socket.SubProtocol;

        /// <summary>The server picked <c>endpoints.v1</c>: every message carries a header.</summary>
        public bool Envelope => SubProtocol == EndpointsSubProtocol;

        /// <summary>Cancelled when the connection ends: nobody is left to answer.</summary>
        public CancellationToken Ended => _ended.Token;

        /// <summary>Its hello went out; <paramref name="armTimeout"/> starts the timer that opens it without a welcome.</summary>
        public void AwaitWelcome(Func<ITimer>? armTimeout)
        {
            Volatile.Write(ref _awaitingWelcome, 1);
            _welcomeTimer = armTimeout?.Invoke();
        }

        /// <summary>True for the one caller (the welcome or its timeout) that goes on to open the connection.</summary>
        public bool TryTakeWelcome()
        {
            if (Interlocked.Exchange(ref _awaitingWelcome, 0) != 1) return false;
            _welcomeTimer?.Dispose();
            return true;
        }

        public void End()
        {
            TryTakeWelcome();
            // The handlers' callbacks run elsewhere: the receive loop that ends the connection never runs user code.
            _ = _ended.CancelAsync();
            Socket.Dispose();
        }
    }
}
