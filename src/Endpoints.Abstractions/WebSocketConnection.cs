using System.Net.WebSockets;
using System.Security.Claims;
using System.Threading.Channels;

namespace Endpoints;

/// <summary>
/// One open WebSocket connection and its transmit channel. Safe to use from any number of threads at
/// once: each send is written directly when nothing is queued and the socket is free, else queued in the bounded
/// outbox (<see cref="Outbox"/>) that one pump per connection writes in order.
/// </summary>
public abstract class WebSocketConnection
{
    /// <summary>A unique id for this connection (the request's trace identifier).</summary>
    public abstract string Id { get; }

    /// <summary>The user that made the upgrade request.</summary>
    public abstract ClaimsPrincipal User { get; }

    /// <summary>
    /// The user id the connection belongs to, for sending to every connection of a user: by default the
    /// authenticated user's <c>NameIdentifier</c> claim, else its name; <see langword="null"/> when anonymous.
    /// Replace the rule by registering an <c>IWebSocketUserIdProvider</c>.
    /// </summary>
    public virtual string? UserId => null;

    /// <summary>Joins a group of this connection's endpoint (no-op if already a member or ended).</summary>
    public virtual ValueTask JoinGroupAsync(string group, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This connection belongs to no endpoint registry.");

    /// <summary>Leaves a group of this connection's endpoint (no-op if not a member).</summary>
    public virtual ValueTask LeaveGroupAsync(string group, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This connection belongs to no endpoint registry.");

    /// <summary>
    /// Sends a typed message: JSON through the endpoint's <c>JsonSerializerContext</c>, with its type property when the
    /// endpoint declares several outgoing types. <typeparamref name="TMessage"/> must be one of the endpoint's
    /// <c>Sends</c> types: anything else is a compile-time error. Completes when the frame was written.
    /// </summary>
    public virtual ValueTask SendAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This connection's endpoint declares no typed messages.");

    /// <summary>Queues a typed message without waiting; <see langword="false"/> if the outbox is full or closed.</summary>
    public virtual bool TrySend<TMessage>(TMessage message)
        => throw new NotSupportedException("This connection's endpoint declares no typed messages.");

    /// <summary>
    /// Sends a typed message as a request and completes with the client's reply, decoded through the endpoint's
    /// <c>JsonSerializerContext</c>. Needs a client that negotiated <c>endpoints.v1</c> (the browser module and
    /// <c>Endpoints.Client</c> do); see docs/protocol.md. Never hangs: <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/>, <see cref="WebSocketRequestException"/> when the client rejects it or the connection
    /// ends first, <see cref="OperationCanceledException"/> when cancelled, <see cref="NotSupportedException"/> on a plain
    /// WebSocket connection.
    /// </summary>
    public virtual Task<TReply> RequestAsync<TMessage, TReply>(TMessage message, TimeSpan timeout, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This connection cannot make requests.");

    /// <summary>
    /// Whether this connection continues a session of the same client (on a <see cref="WebSocketDelivery.Resumable"/>
    /// endpoint, a client that came back with its session token): what the session missed is replayed, so
    /// <c>OnOpen</c> may skip a welcome it sent the first time.
    /// </summary>
    public virtual bool IsResumed => false;

    /// <summary>The subprotocol agreed in the handshake, if any.</summary>
    public abstract string? SubProtocol { get; }

    /// <summary>Cancelled when the connection has ended, however it ended.</summary>
    public abstract CancellationToken Closed { get; }

    /// <summary>
    /// The transmit channel: a string written here goes out as a text frame, bytes as a binary frame.
    /// It is bounded; completing it closes the socket gracefully after the queued messages are sent.
    /// </summary>
    public abstract ChannelWriter<WebSocketMessage> Outbox { get; }

    /// <summary>
    /// Sends a text message; completes when it was written and throws if it could not be.
    /// Cancellation takes back only what has not begun to go out: a message still waiting its turn is removed (it throws
    /// <see cref="OperationCanceledException"/> and is never written); one whose frame has begun to be written finishes,
    /// and the task completes when it is out. No frame ever goes out half-written or from memory the caller got back.
    /// </summary>
    public abstract ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a text message already encoded as UTF-8 (say, one received by <c>OnText(ReadOnlyMemory&lt;byte&gt; utf8)</c>),
    /// without decoding it; completes when it was written and throws if it could not be. Bytes that are not valid
    /// UTF-8 throw <see cref="ArgumentException"/> (a peer would close the connection over them). The memory must not
    /// change until the returned task completes.
    /// </summary>
    public virtual ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken = default)
        => SendTextAsync(s_strictUtf8.GetString(utf8.Span), cancellationToken);

    // Throws on bytes that are not UTF-8 (DecoderFallbackException is an ArgumentException).
    private static readonly System.Text.UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Sends a binary message; completes when it was written and throws if it could not be.
    /// The memory must not change until the returned task completes; once it has (written, failed or cancelled), the
    /// memory is never read again. Cancellation follows <see cref="SendTextAsync(string, CancellationToken)"/>.
    /// </summary>
    public abstract ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Queues a text message without waiting; <see langword="false"/> if the outbox is full or closed.</summary>
    public virtual bool TrySendText(string text) => Outbox.TryWrite(WebSocketMessage.FromText(text));

    /// <summary>
    /// Queues a binary message without waiting; <see langword="false"/> if the outbox is full or closed.
    /// The memory must not change until the frame has been written.
    /// </summary>
    public virtual bool TrySendBinary(ReadOnlyMemory<byte> data) => Outbox.TryWrite(WebSocketMessage.FromBinary(data));

    /// <summary>
    /// Sends one binary message as a stream of fragments, for data too large to hold at once. The connection's transmit
    /// channel is held until <paramref name="write"/> returns: other sends wait (or queue) and go out after it, in
    /// order. When <paramref name="write"/> returns, the message ends; when it throws or is cancelled, the message cannot
    /// be taken back, so the connection is closed with 1011 and the exception is rethrown (once a fragment is out,
    /// nothing queued after it is sent: only the close frame). Cancelled while it waits for its turn, it gives the turn
    /// back and throws <see cref="OperationCanceledException"/>; the connection goes on.
    /// </summary>
    public abstract ValueTask SendBinaryStreamAsync(Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends one text message as a stream of fragments, written as UTF-8 through a <see cref="TextWriter"/>; otherwise as
    /// <see cref="SendBinaryStreamAsync"/>.
    /// </summary>
    public abstract ValueTask SendTextStreamAsync(Func<TextWriter, CancellationToken, ValueTask> write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts the close handshake after the messages already queued have been sent. Completes when the
    /// close frame has been written (or the connection has already ended). A status RFC 6455 does not let a close frame
    /// carry (anything but 1000-1003, 1007-1014 and 3000-4999; <c>Empty</c> is sent as 1000) throws
    /// <see cref="ArgumentOutOfRangeException"/>; a description over 123 bytes of UTF-8 throws <see cref="ArgumentException"/>.
    /// </summary>
    public abstract Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null);
}
