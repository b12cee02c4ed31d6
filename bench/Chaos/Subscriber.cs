using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Chaos;

/// <summary>
/// One subscriber: a minimal endpoints.v1 client (docs/protocol.md) that says hello with its session and the last
/// position of every stream, reconnects through the balancer whenever its connection ends, and logs by publisher
/// sequence number what each of its streams (its user's and its groups') delivered.
/// </summary>
internal sealed class Subscriber
{
    private static readonly byte[] s_helloHeader = "{\"k\":\"hello\"}\n"u8.ToArray();
    private readonly Uri _uri;
    private readonly Random _random;
    private readonly Options _options;
    private readonly Dictionary<string, (string Epoch, long Offset)> _positions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waitingForSub = new(StringComparer.Ordinal);
    private CancellationTokenSource? _life;
    private volatile bool _forced;
    private volatile bool _caughtUp;
    private string? _session;
    private bool _everWelcomed;
    private long _welcomeAt;
    private bool _presentedPositions;
    private int _replayed;
    private long _lastReplayAt;

    public Subscriber(int index, Options options, Uri balancer, string path)
    {
        _options = options;
        _random = new Random(options.Seed * 100_003 + index);
        User = Names.User(index / options.ConnectionsPerUser);
        // The first group in turn (so every group has members), the others at random.
        var groups = new List<string> { Names.Group(index % options.Groups) };
        while (groups.Count < options.GroupsPerSubscriber)
        {
            var group = Names.Group(_random.Next(options.Groups));
            if (!groups.Contains(group)) groups.Add(group);
        }
        Groups = groups;
        foreach (var stream in groups.Select(g => "g:" + g).Prepend("u:" + User)) Logs[stream] = new StreamLog();
        _uri = new Uri(balancer, $"{path}?user={User}&groups={string.Join(',', groups)}");
    }

    public string User { get; }

    public IReadOnlyList<string> Groups { get; }

    /// <summary>Per stream of this subscriber (u:USER, g:GROUP…), what arrived.</summary>
    public Dictionary<string, StreamLog> Logs { get; } = new(StringComparer.Ordinal);

    /// <summary>Connected, welcomed, and every one of its streams subscribed again (replayed) on this connection.</summary>
    public bool CaughtUp => _caughtUp;

    public long NextForcedAt { get; set; } = long.MaxValue;

    public long Connects, ForcedReconnects, Dropped, ConnectFailures, ResumedWelcomes, NewSessionWelcomes, PositionRepeats, Misrouted, ProtocolErrors;

    /// <summary>Per resume that replayed something: welcome → last replayed message, and how many were replayed.</summary>
    public List<(long Ticks, int Count)> Replays { get; } = [];

    /// <summary>Ends the current connection at once (an abort, no close handshake), as a network drop would.</summary>
    public void ForceReconnect()
    {
        var life = Volatile.Read(ref _life);
        if (life is null) return;
        _forced = true;
        try
        {
            life.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var buffer = new byte[16 * 1024];
        while (!stopping.IsCancellationRequested)
        {
            var life = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _forced = false;
            Volatile.Write(ref _life, life);
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("endpoints.v1");
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            var connected = false;
            try
            {
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(life.Token))
                {
                    connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                    await socket.ConnectAsync(_uri, connectTimeout.Token);
                }
                connected = true;
                Connects++;
                await socket.SendAsync(Hello(), WebSocketMessageType.Text, true, life.Token);
                buffer = await ReceiveAsync(socket, buffer, life.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or HttpRequestException or IOException)
            {
            }
            finally
            {
                _caughtUp = false;
                _waitingForSub.Clear();
                Volatile.Write(ref _life, null);
                socket.Abort();
                socket.Dispose();
                life.Dispose();
            }
            if (stopping.IsCancellationRequested) break;
            double delayMs;
            if (_forced)
            {
                ForcedReconnects++;
                delayMs = _random.NextDouble() * _options.OfflineMaxMs;
            }
            else
            {
                if (connected) Dropped++;
                else ConnectFailures++;
                delayMs = 100 + _random.NextDouble() * 900; // a client's jittered backoff
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delayMs), stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public void Finish()
    {
        foreach (var log in Logs.Values) log.Finish();
    }

    private async Task<byte[]> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var used = 0;
        while (true)
        {
            if (used == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var result = await socket.ReceiveAsync(buffer.AsMemory(used), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return buffer;
            used += result.Count;
            if (!result.EndOfMessage) continue;
            Handle(buffer.AsSpan(0, used));
            used = 0;
        }
    }

    private byte[] Hello()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(s_helloHeader);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (_session is not null) writer.WriteString("session", _session);
            _presentedPositions = _positions.Count > 0;
            if (_presentedPositions)
            {
                writer.WriteStartObject("positions");
                foreach (var (stream, (epoch, offset)) in _positions)
                {
                    writer.WriteStartObject(stream);
                    writer.WriteString("e", epoch);
                    writer.WriteNumber("o", offset);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private void Handle(ReadOnlySpan<byte> message)
    {
        var lineFeed = message.IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            ProtocolErrors++;
            return;
        }
        var payload = message[(lineFeed + 1)..];
        var header = ReadPosition(message[..lineFeed]);
        switch (header.Kind)
        {
            case null:
                Data(header, payload);
                return;
            case "welcome":
                Welcome(payload);
                return;
            case "sub":
                Subscribed(ReadPosition(payload));
                return;
            case "gap":
                var gap = ReadPosition(payload);
                if (gap.Stream is not null && Logs.TryGetValue(gap.Stream, out var log)) log.Gap();
                return;
        }
    }

    private void Data(Header header, ReadOnlySpan<byte> payload)
    {
        var now = Stopwatch.GetTimestamp();
        if (header.Stream is not null)
        {
            // A v1 client drops what its position says it has; the checker counts what arrived regardless.
            if (_positions.TryGetValue(header.Stream, out var known) && known.Epoch == header.Epoch && header.Offset <= known.Offset) PositionRepeats++;
            else _positions[header.Stream] = (header.Epoch ?? "", header.Offset);
        }
        // The payload is "<stream> <seq>", as the publisher numbered it.
        var space = payload.IndexOf((byte)' ');
        if (space < 0 || !Utf8Parser.TryParse(payload[(space + 1)..], out long seq, out _))
        {
            ProtocolErrors++;
            return;
        }
        var stream = Encoding.UTF8.GetString(payload[..space]);
        if (!Logs.TryGetValue(stream, out var log) || (header.Stream is not null && header.Stream != stream))
        {
            Misrouted++;
            return;
        }
        log.Record(seq);
        if (_waitingForSub.Contains(stream))
        {
            // Before its stream's "sub": replayed (or held back while the replay was read).
            _replayed++;
            _lastReplayAt = now;
        }
    }

    private void Welcome(ReadOnlySpan<byte> payload)
    {
        _welcomeAt = Stopwatch.GetTimestamp();
        var reader = new Utf8JsonReader(payload);
        bool resumable = false, resumed = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            if (reader.ValueTextEquals("resumable"u8)) { reader.Read(); resumable = reader.TokenType == JsonTokenType.True; }
            else if (reader.ValueTextEquals("resumed"u8)) { reader.Read(); resumed = reader.TokenType == JsonTokenType.True; }
            else if (reader.ValueTextEquals("session"u8)) { reader.Read(); _session = reader.GetString(); }
        }
        if (_everWelcomed && resumable)
        {
            if (resumed) ResumedWelcomes++;
            else NewSessionWelcomes++;
        }
        _everWelcomed = true;
        if (!resumable)
        {
            // A Live endpoint: no positions, no "sub"; the joins are under way (the checker's settle covers them).
            foreach (var log in Logs.Values) if (log.SubscribedAt < 0) log.SubscribedAt = _welcomeAt;
            _caughtUp = true;
            return;
        }
        _waitingForSub.Clear();
        foreach (var stream in Logs.Keys) _waitingForSub.Add(stream);
        _replayed = 0;
        _lastReplayAt = 0;
    }

    private void Subscribed(Header position)
    {
        if (position.Stream is null) return;
        var now = Stopwatch.GetTimestamp();
        _positions[position.Stream] = (position.Epoch ?? "", position.Offset);
        if (Logs.TryGetValue(position.Stream, out var log) && log.SubscribedAt < 0) log.SubscribedAt = now;
        if (!_waitingForSub.Remove(position.Stream) || _waitingForSub.Count > 0) return;
        if (_presentedPositions && _replayed > 0) Replays.Add((_lastReplayAt - _welcomeAt, _replayed));
        _caughtUp = true;
    }

    private readonly record struct Header(string? Kind, string? Stream, string? Epoch, long Offset);

    /// <summary>The k, s, e and o members of a header or of a sub/gap payload.</summary>
    private Header ReadPosition(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty) return default;
        string? kind = null, stream = null, epoch = null;
        long offset = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                if (reader.ValueTextEquals("k"u8)) { reader.Read(); kind = reader.GetString(); }
                else if (reader.ValueTextEquals("s"u8)) { reader.Read(); stream = reader.GetString(); }
                else if (reader.ValueTextEquals("e"u8)) { reader.Read(); epoch = reader.GetString(); }
                else if (reader.ValueTextEquals("o"u8)) { reader.Read(); offset = reader.GetInt64(); }
            }
        }
        catch (JsonException)
        {
            ProtocolErrors++;
        }
        return new Header(kind, stream, epoch, offset);
    }
}
