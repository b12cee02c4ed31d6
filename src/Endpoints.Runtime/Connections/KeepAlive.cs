using System.Buffers.Binary;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// Keeps an idle connection alive and finds a dead peer, on the app's clock. Every interval: without a timeout, an
/// unsolicited pong (a one-way heartbeat, RFC 6455 5.5.3); with one, a ping whose pong must come back within the timeout,
/// or the connection is dropped (reason TimedOut).
/// </summary>
internal sealed class KeepAlive : IDisposable
{
    private readonly ServerWebSocketConnection _connection;
    private readonly ITimer _timer;
    private long _pingSent;
    private bool _awaitingPong;

    public KeepAlive(ServerWebSocketConnection connection)
    {
        _connection = connection;
        _timer = connection.Endpoint.Time.CreateTimer(static state => ((KeepAlive)state!).Tick(), this, Interval, Interval);
    }

    private TimeSpan Interval => _connection.Endpoint.Options.KeepAliveInterval;

    private TimeSpan PongTimeout => _connection.Endpoint.Options.KeepAliveTimeout;

    /// <summary>No pong came back in time.</summary>
    public bool TimedOut { get; private set; }

    private bool HasTimeout => PongTimeout != Timeout.InfiniteTimeSpan;

    public void OnPong(ReadOnlySpan<byte> payload)
    {
        if (!HasTimeout || payload.Length != sizeof(long) || BinaryPrimitives.ReadInt64BigEndian(payload) != Volatile.Read(ref _pingSent)) return;
        lock (_timer)
        {
            _awaitingPong = false;
            _timer.Change(Interval, Interval);
        }
    }

    private void Tick()
    {
        if (!HasTimeout)
        {
            _connection.Transmitter.TrySendControl(Frame.Pong, default);
            return;
        }
        lock (_timer)
        {
            if (_awaitingPong)
            {
                TimedOut = true;
                _connection.Abort();
                return;
            }
            _awaitingPong = true;
            _timer.Change(PongTimeout, Timeout.InfiniteTimeSpan);
        }
        Span<byte> payload = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(payload, Interlocked.Increment(ref _pingSent));
        if (_connection.Transmitter.TrySendControl(Frame.Ping, payload)) return;
        // Dropped (a full outbox): no pong can answer a ping that was never sent, so nothing is awaited; the next
        // interval tries again.
        lock (_timer)
        {
            _awaitingPong = false;
            _timer.Change(Interval, Interval);
        }
    }

    public void Dispose() => _timer.Dispose();
}
