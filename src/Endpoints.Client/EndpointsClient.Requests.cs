using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Endpoints.Client;

// Request/reply over endpoints.v1, both ways (docs/protocol.md): the client's requests wait in a table by id until
// their answer, timeout, cancellation or the end of the connection they went out on; the server's requests go to the
// handlers registered by type name, and their answers go back on the connection that asked.
public sealed partial class EndpointsClient
{
    private static readonly TimerCallback s_timedOut = static state =>
    {
        var request = (PendingRequest)state!;
        request.Owner.FailRequest(request, new TimeoutException($"The server did not answer request {request.Id} within {request.Timeout}."));
    };

    private static readonly Action<object?, CancellationToken> s_canceled = static (state, token) =>
    {
        var request = (PendingRequest)state!;
        if (request.Owner.TryTake(request)) request.TrySetCanceled(token);
    };

    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private readonly ConcurrentDictionary<string, RequestHandler> _handlers = new(StringComparer.Ordinal);
    private RequestHandler? _untypedHandler;
    private long _lastRequestId;

    /// <summary>
    /// Sends <paramref name="message"/> as a request (as <see cref="SendAsync{T}"/> would encode it) and completes with the
    /// server's reply, decoded as <typeparamref name="TReply"/>. Sent now, or queued while the connection is away; the
    /// timeout runs from the call.
    /// </summary>
    /// <param name="message">The request.</param>
    /// <param name="messageType">The request's JSON metadata (from a <c>JsonSerializerContext</c>).</param>
    /// <param name="replyType">The reply's JSON metadata.</param>
    /// <param name="typeName">When set, the request goes out as <c>{"type":"name",…}</c>.</param>
    /// <param name="timeout">How long to wait for the reply; <see cref="EndpointsClientOptions.RequestTimeout"/> when null.</param>
    /// <param name="cancellationToken">Gives up waiting (and takes the request back while it is still queued).</param>
    /// <exception cref="TimeoutException">No answer within the timeout.</exception>
    /// <exception cref="EndpointsRequestException">The server answered with an error (its text is the message), or the
    /// connection ended before the answer (<see cref="EndpointsRequestException.ConnectionLost"/>; the server may or may
    /// not have handled the request, which is not sent again).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NotSupportedException">The server did not pick <c>endpoints.v1</c>, so it cannot answer.</exception>
    /// <exception cref="JsonException">The reply is not a <typeparamref name="TReply"/> (or the server only acknowledged).</exception>
    public Task<TReply> RequestAsync<TMessage, TReply>(TMessage message, JsonTypeInfo<TMessage> messageType, JsonTypeInfo<TReply> replyType,
        string? typeName = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageType);
        ArgumentNullException.ThrowIfNull(replyType);
        var answer = RequestCoreAsync(WebSocketMessageType.Text, Serialize(message, messageType, typeName), timeout, cancellationToken);
        return DecodeAsync(answer, replyType);

        static async Task<TReply> DecodeAsync(Task<(long Id, byte[] Reply)> answer, JsonTypeInfo<TReply> replyType)
        {
            var (id, reply) = await answer.ConfigureAwait(false);
            if (reply.Length == 0) throw new JsonException($"The server acknowledged request {id} without a reply; a {typeof(TReply).Name} was expected.");
            return JsonSerializer.Deserialize(reply, replyType)!;
        }
    }

    /// <summary>
    /// Sends a typed message (as <see cref="SendAsync{T}"/>) and completes when the server has handled it: it answered
    /// with an acknowledgement (or a reply, which is ignored). Fails as <see cref="RequestAsync{TMessage, TReply}"/> does.
    /// </summary>
    public Task SendWithAckAsync<T>(T message, JsonTypeInfo<T> typeInfo, string? typeName = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return RequestCoreAsync(WebSocketMessageType.Text, Serialize(message, typeInfo, typeName), timeout, cancellationToken);
    }

    /// <summary>Sends text and completes when the server has handled it (its <c>OnText</c> returned). Fails as <see cref="RequestAsync{TMessage, TReply}"/> does.</summary>
    public Task SendTextWithAckAsync(string text, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return RequestCoreAsync(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text), timeout, cancellationToken);
    }

    /// <summary>Sends binary data and completes when the server has handled it (its <c>OnBinary</c> returned). Fails as <see cref="RequestAsync{TMessage, TReply}"/> does.</summary>
    public Task SendBinaryWithAckAsync(ReadOnlyMemory<byte> data, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => RequestCoreAsync(WebSocketMessageType.Binary, data.ToArray(), timeout, cancellationToken);

    /// <summary>
    /// Answers the server's requests whose type property (<see cref="EndpointsClientOptions.TypeProperty"/>) is
    /// <paramref name="typeName"/>: the handler's result goes back as the reply; when it throws, the server gets an
    /// error with the exception's message. Handlers run off the receive loop, concurrently; their token is cancelled when
    /// the connection ends (no answer can be delivered then). A request no handler takes is answered with an error.
    /// The server's requests never reach <see cref="ReadAllAsync(CancellationToken)"/>.
    /// </summary>
    /// <returns>Dispose it to remove the handler.</returns>
    /// <exception cref="InvalidOperationException">A handler for <paramref name="typeName"/> is registered already.</exception>
    public IDisposable OnRequest<TMessage, TReply>(string typeName, JsonTypeInfo<TMessage> messageType, JsonTypeInfo<TReply> replyType,
        Func<TMessage, CancellationToken, ValueTask<TReply>> handler)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var registration = new RequestHandler<TMessage, TReply>(this, typeName, messageType, replyType, handler);
        if (!_handlers.TryAdd(typeName, registration)) throw new InvalidOperationException($"A request handler for '{typeName}' is registered already; dispose it first.");
        return registration;
    }

    /// <summary>
    /// Answers the server's requests that carry no type property (an endpoint with a single message type it sends writes
    /// none) or whose type no handler registered by name takes. Otherwise as
    /// <see cref="OnRequest{TMessage, TReply}(string, JsonTypeInfo{TMessage}, JsonTypeInfo{TReply}, Func{TMessage, CancellationToken, ValueTask{TReply}})"/>.
    /// </summary>
    /// <returns>Dispose it to remove the handler.</returns>
    /// <exception cref="InvalidOperationException">Such a handler is registered already.</exception>
    public IDisposable OnRequest<TMessage, TReply>(JsonTypeInfo<TMessage> messageType, JsonTypeInfo<TReply> replyType,
        Func<TMessage, CancellationToken, ValueTask<TReply>> handler)
    {
        var registration = new RequestHandler<TMessage, TReply>(this, null, messageType, replyType, handler);
        if (Interlocked.CompareExchange(ref _untypedHandler, registration, null) is not null)
        {
            throw new InvalidOperationException("A request handler without a type name is registered already; dispose it first.");
        }
        return registration;
    }

    private static void ValidateTimeout(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, timeout, "A request timeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    private static NotSupportedException NotSpoken(Connection? connection) => new(
        connection is null
            ? $"Requests need the {EndpointsSubProtocol} subprotocol, and OfferEndpointsProtocol is off."
            : $"The server did not pick the {EndpointsSubProtocol} subprotocol ({(connection.SubProtocol is { } picked ? "it picked " + picked : "it picked none")}), so it cannot answer requests; this connection carries plain messages.");

    private static EndpointsRequestException ConnectionLost(PendingRequest request) => new(
        $"The connection ended before the answer to request {request.Id}; the server may or may not have handled it. It is not sent again.", connectionLost: true);

    /// <summary>Sends a request and waits for its answer: the request's id and the answer's payload (empty for an acknowledgement).</summary>
    private Task<(long Id, byte[] Reply)> RequestCoreAsync(WebSocketMessageType type, byte[] payload, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var wait = timeout ?? _options.RequestTimeout;
        ValidateTimeout(wait, nameof(timeout));
        return SendRequestAsync(type, payload, wait, cancellationToken);
    }

    private async Task<(long Id, byte[] Reply)> SendRequestAsync(WebSocketMessageType type, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var current = Volatile.Read(ref _connection);
        if (current is { Envelope: false }) throw NotSpoken(current);
        if (current is null && !_options.OfferEndpointsProtocol) throw NotSpoken(null);

        var request = new PendingRequest(this, Interlocked.Increment(ref _lastRequestId), timeout);
        _pending[request.Id] = request;
        using var timer = timeout == Timeout.InfiniteTimeSpan ? null : _options.TimeProvider.CreateTimer(s_timedOut, request, timeout, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.UnsafeRegister(s_canceled, request);
        try
        {
            await SendAsync(new Outgoing(type, payload, request), cancellationToken).ConfigureAwait(false);
            // Closed for good meanwhile: the sweep of unanswered requests may have run before this one was in the table.
            if (IsClosedForGood) FailRequest(request, new EndpointsRequestException($"The client closed before request {request.Id} was answered.", connectionLost: true));
        }
        catch (Exception exception)
        {
            FailRequest(request, exception);
        }
        return (request.Id, await request.Task.ConfigureAwait(false));
    }

    /// <summary>Removes a request from the table (and from the queue when it was never sent); true for the one caller that may complete it.</summary>
    private bool TryTake(PendingRequest request)
    {
        if (!_pending.TryRemove(KeyValuePair.Create(request.Id, request))) return false;
        if (Volatile.Read(ref request.SentOn) is null)
        {
            lock (_queue)
            {
                for (var count = _queue.Count; count > 0; count--)
                {
                    var queued = _queue.Dequeue();
                    if (queued.Request != request) _queue.Enqueue(queued);
                }
            }
        }
        return true;
    }

    private void FailRequest(PendingRequest request, Exception exception)
    {
        if (!TryTake(request)) return;
        if (exception is OperationCanceledException canceled) request.TrySetCanceled(canceled.CancellationToken);
        else request.TrySetException(exception);
    }

    private void FailRequestsSentOn(Connection connection)
    {
        foreach (var (_, request) in _pending)
        {
            if (Volatile.Read(ref request.SentOn) == connection) FailRequest(request, ConnectionLost(request));
        }
    }

    private void FailAllRequests()
    {
        foreach (var (_, request) in _pending)
        {
            FailRequest(request, Volatile.Read(ref request.SentOn) is null
                ? new EndpointsRequestException($"The client closed before request {request.Id} was sent.", connectionLost: true)
                : ConnectionLost(request));
        }
    }

    /// <summary>An answer arrived (<c>re</c>); one for a request nobody waits for any more (timed out, cancelled) is dropped.</summary>
    private void CompleteRequest(long id, string? error, ReadOnlyMemory<byte> reply)
    {
        if (!_pending.TryGetValue(id, out var request) || !TryTake(request)) return;
        if (error is not null) request.TrySetException(new EndpointsRequestException(error));
        else request.TrySetResult(reply.ToArray());
    }

    /// <summary>A request from the server (<c>id</c>): its handler runs off the receive loop, which goes on meanwhile.</summary>
    private void StartAnswering(Connection connection, long id, WebSocketMessageType type, byte[] payload)
        => _ = Task.Run(() => AnswerAsync(connection, id, type, payload));

    private async Task AnswerAsync(Connection connection, long id, WebSocketMessageType type, byte[] payload)
    {
        byte[] answer;
        try
        {
            var typeName = type == WebSocketMessageType.Text ? MessageHeader.ReadTypeName(payload, _options.TypeProperty) : null;
            RequestHandler? handler = null;
            if (typeName is not null) _handlers.TryGetValue(typeName, out handler);
            if (type == WebSocketMessageType.Text) handler ??= Volatile.Read(ref _untypedHandler);
            if (handler is null)
            {
                answer = MessageHeader.Failure(id, type == WebSocketMessageType.Binary ? "No handler for a binary request."
                    : typeName is null ? $"No handler for a request without '{_options.TypeProperty}'."
                    : $"No handler for '{typeName}'.");
            }
            else
            {
                answer = MessageHeader.Reply(id, await handler.InvokeAsync(payload, connection.Ended).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (connection.Ended.IsCancellationRequested)
        {
            return; // the connection that asked is gone, and the server with it forgot the request
        }
        catch (Exception exception)
        {
            answer = MessageHeader.Failure(id, exception.Message);
        }

        try
        {
            await _sendLock.WaitAsync(connection.Ended).ConfigureAwait(false);
            try
            {
                // Only on the connection that asked: after a reconnect the server no longer waits for it.
                if (Volatile.Read(ref _connection) == connection)
                {
                    await connection.Socket.SendAsync(answer, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // the connection ended meanwhile: nobody waits for the answer
        }
    }

    private void RemoveHandler(RequestHandler handler)
    {
        if (handler.TypeName is { } typeName) _handlers.TryRemove(KeyValuePair.Create(typeName, handler));
        else Interlocked.CompareExchange(ref _untypedHandler, null, handler);
    }

    /// <summary>A request of the client's, waiting for its answer: the reply's bytes, empty for an acknowledgement.</summary>
    private sealed class PendingRequest(EndpointsClient owner, long id, TimeSpan timeout)
        : TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        /// <summary>The connection it went out on (set under the send lock before the write); null while queued.</summary>
        public Connection? SentOn;

        public EndpointsClient Owner { get; } = owner;

        public long Id { get; } = id;

        public TimeSpan Timeout { get; } = timeout;
    }

    /// <summary>A registered handler of the server's requests; disposing it removes it.</summary>
    private abstract class RequestHandler(EndpointsClient owner, string? typeName) : IDisposable
    {
        public string? TypeName { get; } = typeName;

        /// <summary>Decodes the request, runs the handler, and returns the reply's JSON.</summary>
        public abstract ValueTask<byte[]> InvokeAsync(byte[] payload, CancellationToken cancellationToken);

        public void Dispose() => owner.RemoveHandler(this);
    }

    private sealed class RequestHandler<TMessage, TReply> : RequestHandler
    {
        private readonly JsonTypeInfo<TMessage> _messageType;
        private readonly JsonTypeInfo<TReply> _replyType;
        private readonly Func<TMessage, CancellationToken, ValueTask<TReply>> _handler;

        public RequestHandler(EndpointsClient owner, string? typeName, JsonTypeInfo<TMessage> messageType, JsonTypeInfo<TReply> replyType,
            Func<TMessage, CancellationToken, ValueTask<TReply>> handler)
            : base(owner, typeName)
        {
            ArgumentNullException.ThrowIfNull(messageType);
            ArgumentNullException.ThrowIfNull(replyType);
            ArgumentNullException.ThrowIfNull(handler);
            _messageType = messageType;
            _replyType = replyType;
            _handler = handler;
        }

        public override async ValueTask<byte[]> InvokeAsync(byte[] payload, CancellationToken cancellationToken)
        {
            var message = JsonSerializer.Deserialize(payload, _messageType)!;
            var reply = await _handler(message, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.SerializeToUtf8Bytes(reply, _replyType);
        }
    }
}
