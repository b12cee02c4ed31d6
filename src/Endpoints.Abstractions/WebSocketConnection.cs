using System.Net.WebSockets;
using System.Security.Claims;
using System.Threading.Channels;

namespace Endpoints;

/// <summary>
/// One open WebSocket connection and its transmit channel. Safe to use from any number of threads at
/// once: every send goes through <see cref="Outbox"/>, which one pump per connection writes in order.
/// </summary>
public abstract class WebSocketConnection
{
    /// <summary>A unique id for this connection (the request's trace identifier).</summary>
    public abstract string Id { get; }

    /// <summary>The user that made the upgrade request.</summary>
    public abstract ClaimsPrincipal User { get; }

    /// <summary>The subprotocol agreed in the handshake, if any.</summary>
    public abstract string? SubProtocol { get; }

    /// <summary>Cancelled when the connection has ended, however it ended.</summary>
    public abstract CancellationToken Closed { get; }

    /// <summary>
    /// The transmit channel: a string written here goes out as a text frame, bytes as a binary frame.
    /// It is bounded; completing it closes the socket gracefully after the queued messages are sent.
    /// </summary>
    public abstract ChannelWriter<WebSocketMessage> Outbox { get; }

    /// <summary>Sends a text message; completes when it was written and throws if it could not be.</summary>
    public abstract ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a binary message; completes when it was written and throws if it could not be.
    /// The memory must not change until the returned task completes.
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
    /// Starts the close handshake after the messages already queued have been sent. Completes when the
    /// close frame has been written (or the connection has already ended).
    /// </summary>
    public abstract Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null);
}
