using Endpoints.Scaleout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Endpoints.Redis;

/// <summary>
/// The backplane on Redis, as the runtime and the host see it: it ties the parts together and does none of their work.
/// Messages go to channels by interest (<see cref="RedisInterest"/>), out through one ordered, bounded outbox that waits
/// while Redis is away (<see cref="RedisOutbox"/>); presence is one hash per server and endpoint, renewed by heartbeat
/// (<see cref="RedisPresence"/>, read by <see cref="RedisPresenceReader"/>); group changes for another server's
/// connection are acknowledged (<see cref="RedisGroupChanges"/>); all over one <see cref="RedisConnection"/>, with the
/// names of <see cref="RedisNames"/> and the bytes of <see cref="RedisWire"/>.
/// </summary>
internal sealed class RedisBackplaneCoordinator : IWebSocketBackplane, IWebSocketStreamBackplane, IHostedService, IAsyncDisposable
{
    private readonly RedisBackplaneOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisNames _names;
    private readonly RedisConnection _connection;
    private readonly RedisOutbox _outbox;
    private readonly RedisInterest _interest;
    private readonly RedisPresence _presence;
    private readonly RedisPresenceReader _presenceReader;
    private readonly RedisGroupChanges _groupChanges;
    private readonly RedisStreams _streams;
    private IWebSocketBackplaneHost? _host;
    private ChannelMessageQueue? _nodeSubscription;
    private ITimer? _heartbeat;
    private Task? _loops;
    private int _disposed;

    public RedisBackplaneCoordinator(RedisBackplaneOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        var stopping = _stopping.Token;
        _names = new RedisNames(options);
        _connection = new RedisConnection(options, logger, time, stopping);
        _outbox = new RedisOutbox(_connection, options, logger, time, stopping);
        _interest = new RedisInterest(_connection, _names, OnMessage, options, logger, time, stopping);
        _presence = new RedisPresence(_connection, _names, () => _host!.Snapshot(), options, logger, time, stopping);
        _presenceReader = new RedisPresenceReader(_connection, _names, options, logger, time);
        _groupChanges = new RedisGroupChanges(_outbox, _names, options, time);
        _streams = new RedisStreams(_connection, _outbox, _names, options.NodeId, time);
    }

    public string NodeId => _options.NodeId;

    public bool IsConnected => _connection.IsConnected;

    public long Buffered => _outbox.Buffered;

    public long Dropped => _outbox.Dropped;

    public long Reconnects => _connection.Reconnects;

    public void Start(IWebSocketBackplaneHost host)
    {
        if (Interlocked.CompareExchange(ref _host, host, null) is not null) return;
        _loops = Task.WhenAll(Task.Run(ConnectAsync), Task.Run(_outbox.LoopAsync), Task.Run(() => _connection.KeepRunningAsync(_interest.LoopAsync, "interest")),
            Task.Run(() => _connection.KeepRunningAsync(_presence.LoopAsync, "presence")));
        _heartbeat = _time.CreateTimer(static state => ((RedisBackplaneCoordinator)state!).Beat(), this, _options.HeartbeatInterval, _options.HeartbeatInterval);
    }

    public void Publish(BackplaneMessage message)
    {
        var channel = message.Target == BackplaneTarget.Connection
            ? _names.NodeChannel(RedisNames.NodeOf(message.Key) ?? "")
            : _names.ChannelOf(message.Endpoint, message.Target, message.Key);
        _outbox.Send(channel, RedisWire.EncodeDeliver(NodeId, message));
    }

    public void PublishNumbered(BackplaneMessage message, string stream, WebSocketHistoryLimits limits) => _streams.Publish(message, stream, limits);

    public void Keep(string endpoint, string stream, string epoch, long offset, System.Net.WebSockets.WebSocketMessageType messageType, ReadOnlyMemory<byte> payload,
        WebSocketHistoryLimits limits) => _streams.Keep(endpoint, stream, epoch, offset, messageType, payload, limits);

    public ValueTask<BackplaneStreamSnapshot> ReadAsync(string endpoint, string stream, long after, WebSocketHistoryLimits limits, CancellationToken cancellationToken)
        => _streams.ReadAsync(endpoint, stream, after, limits, cancellationToken);

    public ValueTask<byte[]> GetSessionKeyAsync(CancellationToken cancellationToken) => _streams.GetSigningKeyAsync(cancellationToken);

    public ValueTask<BackplaneSession?> OpenSessionAsync(string endpoint, string sessionId, CancellationToken cancellationToken)
        => _streams.OpenSessionAsync(endpoint, sessionId, cancellationToken);

    public void SessionLeft(string endpoint, string sessionId) => _streams.SessionLeft(endpoint, sessionId);

    public void RecordHandled(string endpoint, string sessionId, long number) => _streams.RecordHandled(endpoint, sessionId, number);

    public void CloseSession(string endpoint, string sessionId, TimeSpan keep) => _streams.CloseSession(endpoint, sessionId, keep);

    public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
    {
        _interest.OnLocalChange(endpoint, change);
        _presence.OnLocalChange(endpoint, change);
    }

    /// <inheritdoc cref="RedisInterest.WhenAppliedAsync"/>
    public ValueTask WhenAppliedAsync(CancellationToken cancellationToken) => _interest.WhenAppliedAsync(cancellationToken);

    public async ValueTask<bool> ChangeRemoteGroupAsync(string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken)
    {
        if (RedisNames.NodeOf(connectionId) is not { } node || node == NodeId) return false;
        if (!IsConnected || !(await _presenceReader.LiveNodesAsync().ConfigureAwait(false)).Contains(node)) return false;
        return await _groupChanges.AskAsync(node, endpoint, connectionId, group, join, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
        => _presenceReader.GetRemoteGroupMembersAsync(endpoint, group, cancellationToken);

    public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
        => _presenceReader.GetRemoteConnectionsAsync(endpoint, cancellationToken);

    public ValueTask<int> CountRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
        => _presenceReader.CountRemoteConnectionsAsync(endpoint, cancellationToken);

    public ValueTask<int> CountRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
        => _presenceReader.CountRemoteGroupMembersAsync(endpoint, group, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Says goodbye: this server leaves presence at once instead of expiring.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Nothing written after the goodbye: no beat, no presence from connections still closing.
        _presence.Stop();
        if (_heartbeat is not null) await _heartbeat.DisposeAsync().ConfigureAwait(false);
        await _presence.GoodbyeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // The container holds this instance under three registrations and disposes each.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _outbox.Complete();
        if (_heartbeat is not null) await _heartbeat.DisposeAsync().ConfigureAwait(false);
        if (_loops is not null)
        {
            try
            {
                await _loops.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or RedisException or ObjectDisposedException)
            {
                // stopping
            }
        }
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Connects; this server's own channel is subscribed and its first beat done before the loops go on.</summary>
    private Task ConnectAsync() => _connection.ConnectAsync(
        connected: async () =>
        {
            _nodeSubscription = await _connection.SubscribeWhenConnectedAsync(_names.NodeChannel(NodeId), OnMessage).ConfigureAwait(false);
            Beat(); // the first beat makes this server known: until then it has no presence
        },
        // The server may have restarted empty: beat now, and rewrite presence if it forgot this server.
        restored: Beat);

    /// <summary>The heartbeat; channels given up on are tried again at each one, whichever connection to Redis came back.</summary>
    private void Beat()
    {
        if (_presence.Stopped) return;
        _interest.RetryGivenUp();
        _ = _presence.BeatAsync();
    }

    /// <summary>
    /// Another server took a session over. The notice may come after the session came back here (it travels apart from
    /// the session's hash): only a session still elsewhere is dropped from this server's presence.
    /// </summary>
    private async Task SessionResumedElsewhereAsync(IWebSocketBackplaneHost host, string endpoint, string session)
    {
        try
        {
            if (!await _streams.IsHereAsync(endpoint, session).ConfigureAwait(false)) host.SessionResumedElsewhere(endpoint, session);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Redis is away: the away connection stays present until its grace ends.
        }
    }

    /// <summary>What other servers send: messages for this server's connections, group changes and their answers, sessions gone on elsewhere.</summary>
    private void OnMessage(ChannelMessage message)
    {
        ReadOnlyMemory<byte> bytes = (byte[])message.Message!;
        if (bytes.Length == 0 || _host is not { } host) return;
        try
        {
            switch (bytes.Span[0])
            {
                case RedisWire.Deliver:
                    var (origin, delivery) = RedisWire.DecodeDeliver(bytes);
                    if (origin != NodeId) host.Deliver(delivery); // this server served its own connections when it sent
                    break;
                case RedisWire.NumberedDeliver:
                    // Numbered by Redis: every server, this one too, delivers it now, in the stream's order.
                    var (stream, epoch, offset, _, numbered) = RedisWire.DecodeNumbered(bytes);
                    host.DeliverNumbered(numbered, stream, epoch, offset);
                    break;
                case RedisWire.GroupChange:
                    _groupChanges.Answer(host, bytes);
                    break;
                case RedisWire.GroupChangeAnswer:
                    _groupChanges.Complete(bytes);
                    break;
                case RedisWire.SessionResumed:
                    var (endpoint, session) = RedisWire.DecodeSessionResumed(bytes);
                    _ = SessionResumedElsewhereAsync(host, endpoint, session);
                    break;
            }
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            RedisLog.BadMessage(_logger, message.Channel.ToString());
        }
    }
}
