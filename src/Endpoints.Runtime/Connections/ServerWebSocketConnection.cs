using System.Net.WebSockets;
using System.Security.Claims;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Endpoints.Runtime;

/// <summary>
/// The public face of one connection: who it is, its <see cref="Closed"/> token, and the sends and closes user code
/// calls. Sending is the <see cref="Transmitter"/>'s business and closing the <see cref="CloseHandshake"/>'s; this
/// class only hands calls to them.
/// </summary>
internal sealed class ServerWebSocketConnection : WebSocketConnection, IDisposable
{
    private readonly HttpContext _context;
    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly OutboxWriter _outboxWriter;
    // Created on first use: most connections never ask for it.
    private CancellationTokenSource? _closed;
    private bool _markedEnded;
    private bool _disposed;

    public ServerWebSocketConnection(HttpContext context, WebSocket socket, WebSocketEndpointOptions options, TimeProvider time, ILogger logger,
        WebSocketEndpointMetrics metrics, KeyValuePair<string, object?> endpointTag)
    {
        _context = context;
        _socket = socket;
        _logger = logger;
        CloseHandshake = new CloseHandshake(this, socket, time, options.CloseTimeout, logger);
        Transmitter = new Transmitter(this, socket, CloseHandshake, options.OutboxCapacity, options.OutboxFullPolicy, logger, metrics, endpointTag);
        CloseHandshake.Transmitter = Transmitter;
        _outboxWriter = new OutboxWriter(this);
    }

    public Transmitter Transmitter { get; }

    public CloseHandshake CloseHandshake { get; }

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

    public override ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Transmitter.SendAsync(WebSocketMessage.FromText(text), cancellationToken);
    }

    public override ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => Transmitter.SendAsync(WebSocketMessage.FromBinary(data), cancellationToken);

    public override bool TrySendText(string text) => Transmitter.TryEnqueue(WebSocketMessage.FromText(text));

    public override bool TrySendBinary(ReadOnlyMemory<byte> data) => Transmitter.TryEnqueue(WebSocketMessage.FromBinary(data));

    public override Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null)
    {
        CloseHandshake.TryRequest(status, description, WebSocketCloseReason.ServerClosed);
        return CloseHandshake.WhenFrameWritten();
    }

    /// <summary>
    /// Drops the connection at once: no close handshake, pending reads and writes fail. Safe from any thread at any
    /// time, timers included: once the request has ended its context may already be recycled.
    /// </summary>
    public void Abort()
    {
        _socket.Abort();
        if (Volatile.Read(ref _disposed)) return;
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
        CloseHandshake.End();
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
        Volatile.Write(ref _disposed, true);
        CloseHandshake.End();
        Volatile.Read(ref _closed)?.Dispose();
    }

    /// <summary>The public face of the outbox: plain messages in, and completing it closes the connection.</summary>
    private sealed class OutboxWriter(ServerWebSocketConnection connection) : ChannelWriter<WebSocketMessage>
    {
        public override bool TryWrite(WebSocketMessage item) => connection.Transmitter.TryEnqueue(item);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
            => connection.Transmitter.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(WebSocketMessage item, CancellationToken cancellationToken = default)
            => connection.Transmitter.EnqueueAsync(item, cancellationToken);

        public override bool TryComplete(Exception? error = null) => error is null
            ? connection.CloseHandshake.TryRequest(WebSocketCloseStatus.NormalClosure, null, WebSocketCloseReason.ServerClosed)
            : connection.CloseHandshake.TryRequest(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error);
    }
}
