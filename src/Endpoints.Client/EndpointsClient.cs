using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace Endpoints.Client;

/// <summary>Settings of an <see cref="EndpointsClient"/>.</summary>
public sealed class EndpointsClientOptions
{
    /// <summary>When to reconnect. See <see cref="Client.ReconnectPolicy"/> for the defaults.</summary>
    public ReconnectPolicy Reconnect { get; set; } = new();

    /// <summary>How many sends wait while the connection is away. Default 100.</summary>
    public int QueueCapacity { get; set; } = 100;

    /// <summary>What a send does when the queue is full. Default <see cref="QueueOverflow.DropOldest"/>.</summary>
    public QueueOverflow QueueOverflow { get; set; } = QueueOverflow.DropOldest;

    /// <summary>Called before every attempt (so it can refresh); the token is sent as <c>?access_token=</c>, as browsers must.</summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessToken { get; set; }

    /// <summary>Headers, subprotocols, certificates, proxies… of each attempt's <see cref="ClientWebSocket"/>.</summary>
    public Action<ClientWebSocketOptions>? ConfigureSocket { get; set; }

    /// <summary>The JSON property naming a typed message's type. Default <c>type</c>.</summary>
    public string TypeProperty { get; set; } = "type";

    /// <summary>Messages over this size close the connection (and it reconnects). Default 4 MiB.</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>The clock for backoff waits (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The jitter's random source, uniform in [0, 1).</summary>
    public Func<double> Random { get; set; } = System.Random.Shared.NextDouble;
}

/// <summary>
/// A WebSocket connection to one URL that reconnects by itself: exponential backoff with full jitter, sends queued
/// while away (bounded), state events, and received messages as an <see cref="IAsyncEnumerable{T}"/>. It stops for
/// good after a deliberate server close (1000, 1008), a refused upgrade (4xx other than 408 and 429) or
/// <see cref="CloseAsync"/>. Delivery is at most once: a message in flight when the connection drops is lost.
/// </summary>
public sealed class EndpointsClient : IAsyncDisposable
{
    private static readonly WebSocketCloseStatus[] s_final = [WebSocketCloseStatus.NormalClosure, WebSocketCloseStatus.PolicyViolation];

    private readonly Uri _uri;
    private readonly EndpointsClientOptions _options;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<(WebSocketMessageType Type, byte[] Data)> _queue = new();
    private readonly Channel<ClientMessage> _received = Channel.CreateBounded<ClientMessage>(new BoundedChannelOptions(1024) { SingleWriter = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _firstOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientWebSocket? _socket;
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
    }

    /// <summary>Connecting, Open, Reconnecting or Closed.</summary>
    public ClientState State => (ClientState)Volatile.Read(ref _state);

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
        => SendAsync(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Sends binary now, or when the connection is back.</summary>
    public ValueTask<bool> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(WebSocketMessageType.Binary, data.ToArray(), cancellationToken);

    /// <summary>Sends a typed message as JSON through source-generated metadata; with <paramref name="typeName"/>, as <c>{"type":"name",…}</c>.</summary>
    public ValueTask<bool> SendAsync<T>(T message, JsonTypeInfo<T> typeInfo, string? typeName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var json = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        if (typeName is not null)
        {
            if (json.Length < 2 || json[0] != (byte)'{') throw new InvalidOperationException($"'{typeof(T).Name}' must serialize as a JSON object to carry its type.");
            var head = Encoding.UTF8.GetBytes($"{{\"{JsonEncodedText.Encode(_options.TypeProperty)}\":\"{JsonEncodedText.Encode(typeName)}\"{(json.Length > 2 ? "," : "")}");
            json = [.. head, .. json.AsSpan(1)];
        }
        return SendAsync(WebSocketMessageType.Text, json, cancellationToken);
    }

    /// <summary>Every received message, in order, across reconnects; ends when the client closes for good.</summary>
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

    /// <summary>Closes for good (1000), without reconnecting.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (State == ClientState.Closed) return;
        _closing.Cancel();
        if (_socket is { State: WebSocketState.Open } socket)
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
    }

    /// <summary>Closes (see <see cref="CloseAsync"/>) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _socket?.Dispose();
        _sendLock.Dispose();
        _closing.Dispose();
    }

    private async ValueTask<bool> SendAsync(WebSocketMessageType type, byte[] data, CancellationToken cancellationToken)
    {
        if (State == ClientState.Closed) throw new InvalidOperationException("The client is closed for good; create a new one.");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == ClientState.Open && _socket is { State: WebSocketState.Open } socket)
            {
                try
                {
                    await socket.SendAsync(data, type, true, cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (WebSocketException)
                {
                    // Lost while sending: queue it for the next connection (at most once: the server may have it).
                }
            }
            return Enqueue(type, data);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private bool Enqueue(WebSocketMessageType type, byte[] data)
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
                        return false;
                    default:
                        _queue.Dequeue();
                        break;
                }
            }
            _queue.Enqueue((type, data));
            return true;
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
            _firstOutcome.TrySetResult();
        }
    }

    /// <summary>One connection: connect, flush the queue, receive until it ends. Stop is true when it must not reconnect.</summary>
    private async Task<(bool Opened, bool Stop)> ConnectAndReceiveAsync(CancellationToken token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        _options.ConfigureSocket?.Invoke(socket.Options);
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

        await _sendLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            _socket = socket;
            while (true)
            {
                (WebSocketMessageType Type, byte[] Data) next;
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out next)) break;
                }
                await socket.SendAsync(next.Data, next.Type, true, token).ConfigureAwait(false);
            }
            SetState(ClientState.Open, null, null);
        }
        catch (WebSocketException)
        {
            return (false, false);
        }
        finally
        {
            _sendLock.Release();
        }

        // The backoff starts over once the connection has stayed up: a server that accepts and drops is not hammered.
        using var stable = _options.TimeProvider.CreateTimer(static state => Volatile.Write(ref ((EndpointsClient)state!)._attempt, 0), this,
            _options.Reconnect.StableAfter, Timeout.InfiniteTimeSpan);
        return await ReceiveAsync(socket, token).ConfigureAwait(false);
    }

    private async Task<(bool Opened, bool Stop)> ReceiveAsync(ClientWebSocket socket, CancellationToken token)
    {
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
                await _received.Writer.WriteAsync(new ClientMessage(result.MessageType, message.WrittenSpan.ToArray()), token).ConfigureAwait(false);
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
            lock (_queue) _socket = null;
            socket.Dispose();
        }
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
}
