using System.Buffers;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace Endpoints.Testing;

/// <summary>
/// One test connection, from <see cref="WebSocketEndpointTestHost.ConnectAsync"/>. It reads all the time in the
/// background, so messages wait here until a receive takes them (in order), a receive that times out leaves the
/// connection intact, and the server's close frame is answered at once, as a browser would. Every wait has a real-time
/// limit (<see cref="WebSocketEndpointTestHost.DefaultTimeout"/> unless the call gives one) and fails with a
/// <see cref="TimeoutException"/> naming what it waited for: a guard against a hang, not a timing assertion.
/// </summary>
public sealed class WebSocketTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly string _name;
    private readonly TimeSpan _defaultTimeout;
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task _reading;
    private int _disposed;

    internal WebSocketTestClient(ClientWebSocket socket, string name, TimeSpan defaultTimeout)
    {
        _socket = socket;
        _name = name;
        _defaultTimeout = defaultTimeout;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>The subprotocol the server chose; null when none.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>The underlying socket, for what this client does not wrap. Do not receive from it: this client reads it.</summary>
    public WebSocket Socket => _socket;

    /// <summary>Sends a text message.</summary>
    public Task SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends a binary message.</summary>
    public Task SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => SendAsync(data, WebSocketMessageType.Binary, cancellationToken);

    /// <summary>
    /// Sends a typed message as an endpoint's <c>OnMessage</c> reads it: JSON through <paramref name="typeInfo"/> (from the
    /// app's <c>JsonSerializerContext</c>), with the type property first, <c>{"type":"subscribe",…}</c>. The type's name
    /// is <paramref name="typeName"/>, else its <c>[WebSocketMessage("…")]</c>, else its name with the first letter in
    /// lower case, as the generator names it. An endpoint with a single <c>OnMessage</c> ignores the property; a message
    /// whose JSON already has a member of that name (a single message type's own <c>Type</c>) is sent as it is.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="typeInfo">The message type's metadata, e.g. <c>AppJson.Default.Subscribe</c>.</param>
    /// <param name="typeName">The type's name on the wire; null for the name the generator gives it.</param>
    /// <param name="typeProperty">The endpoint's <c>MessageTypeProperty</c>; <c>"type"</c> by default.</param>
    /// <param name="cancellationToken">Stops the send.</param>
    public Task SendAsync<T>(T message, JsonTypeInfo<T> typeInfo, string? typeName = null, string typeProperty = "type", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ArgumentException.ThrowIfNullOrEmpty(typeProperty);
        typeName ??= WireName(typeof(T));
        var json = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        if (json.Length < 2 || json[0] != (byte)'{') throw new InvalidOperationException($"'{typeof(T).Name}' must serialize as a JSON object to carry its type.");
        // Its own member of that name: only an endpoint with a single OnMessage can take it (WS0077 stops the others at
        // compile time), and that endpoint reads the message as the type it has.
        if (HasTopLevelProperty(json, typeProperty)) return SendAsync(json, WebSocketMessageType.Text, cancellationToken);
        var buffer = new ArrayBufferWriter<byte>(json.Length + typeProperty.Length + typeName.Length + 8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(typeProperty, typeName);
            writer.Flush();
        }
        // {"type":"name" + (',' when the object has members) + the object after its '{'.
        if (json.Length > 2) buffer.Write(","u8);
        buffer.Write(json.AsSpan(1));
        return SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Receives the next message, which must be text.</summary>
    /// <param name="timeout">The longest to wait; the host's default when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    /// <exception cref="InvalidOperationException">The next message is binary, or the connection closed first.</exception>
    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var message = await NextAsync("a text message", timeout, cancellationToken).ConfigureAwait(false);
        if (message.Type != WebSocketMessageType.Text) throw Unexpected("a text message", message);
        return Encoding.UTF8.GetString(message.Data);
    }

    /// <summary>Receives the next message, which must be binary.</summary>
    /// <param name="timeout">The longest to wait; the host's default when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    /// <exception cref="InvalidOperationException">The next message is text, or the connection closed first.</exception>
    public async Task<byte[]> ReceiveBinaryAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var message = await NextAsync("a binary message", timeout, cancellationToken).ConfigureAwait(false);
        if (message.Type != WebSocketMessageType.Binary) throw Unexpected("a binary message", message);
        return message.Data;
    }

    /// <summary>
    /// Receives the next message, which must be a JSON text message that <paramref name="typeInfo"/> reads (its type
    /// property, if any, is ignored like any property the type does not have).
    /// </summary>
    /// <param name="typeInfo">The expected type's metadata, e.g. <c>AppJson.Default.Price</c>.</param>
    /// <param name="timeout">The longest to wait; the host's default when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    /// <exception cref="InvalidOperationException">The next message is binary, not that JSON, or the connection closed first.</exception>
    public async Task<T> ReceiveAsync<T>(JsonTypeInfo<T> typeInfo, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var awaited = $"a {typeof(T).Name} (JSON text)";
        var message = await NextAsync(awaited, timeout, cancellationToken).ConfigureAwait(false);
        if (message.Type != WebSocketMessageType.Text) throw Unexpected(awaited, message);
        try
        {
            return JsonSerializer.Deserialize(message.Data, typeInfo) ?? throw Unexpected(awaited, message);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"{_name}: waited for {awaited} but received {Describe(message)}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Closes (a close frame with <paramref name="status"/>) and waits for the server's close frame in answer. Messages
    /// not received yet are dropped.
    /// </summary>
    /// <param name="status">The close status to send.</param>
    /// <param name="description">The close description to send (at most 123 UTF-8 bytes).</param>
    /// <param name="timeout">The longest to wait for the server's answer; the host's default when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The server's close frame.</returns>
    public async Task<WebSocketTestClose> CloseAsync(
        WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
        return await WaitForCloseAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the server closes the connection and returns its close status and description, skipping (and
    /// counting) the messages that come before the close.
    /// </summary>
    /// <param name="timeout">The longest to wait; the host's default when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">The server did not close in time.</exception>
    public async Task<WebSocketTestClose> WaitForCloseAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? _defaultTimeout;
        try
        {
            await _closed.Task.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{_name}: waited for the server to close the connection, but it was still open after {limit}.", exception);
        }
        var skipped = 0;
        while (_received.Reader.TryRead(out _)) skipped++;
        return new WebSocketTestClose(_socket.CloseStatus, _socket.CloseStatusDescription, skipped);
    }

    /// <summary>Closes with 1000 if still open (waiting briefly for the server's answer), then releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await CloseAsync(timeout: TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone meanwhile, or the server never answered: the abort below ends it.
            }
        }
        _disposing.Cancel();
        _socket.Abort();
        await _reading.ConfigureAwait(false);
        _socket.Dispose();
        _disposing.Dispose();
        _sendLock.Dispose();
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                throw new InvalidOperationException($"{_name}: cannot send, the connection is {_socket.State}{CloseText()}.");
            }
            await _socket.SendAsync(data, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<Received> NextAsync(string awaited, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_received.Reader.TryRead(out var ready)) return ready;
        var limit = timeout ?? _defaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan) deadline.CancelAfter(limit);
        try
        {
            // WaitToReadAsync, not ReadAsync: a cancelled wait takes no message with it.
            while (await _received.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
            {
                if (_received.Reader.TryRead(out var message)) return message;
            }
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{_name}: waited {limit} for {awaited}, but none arrived.", exception);
        }
        throw new InvalidOperationException($"{_name}: waited for {awaited}, but the connection ended{CloseText()}.");
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), _disposing.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer as a browser does: echo the status, so the server's close handshake completes at once.
                    await _sendLock.WaitAsync(_disposing.Token).ConfigureAwait(false);
                    try
                    {
                        if (_socket.State == WebSocketState.CloseReceived)
                        {
                            await _socket.CloseOutputAsync(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, _disposing.Token).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        _sendLock.Release();
                    }
                    break;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage) continue;
                _received.Writer.TryWrite(new Received(result.MessageType, message.WrittenSpan.ToArray()));
                message.ResetWrittenCount();
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // TCP ended without a close frame, or this client was disposed: the connection is over either way.
        }
        finally
        {
            _received.Writer.TryComplete();
            _closed.TrySetResult(_socket.CloseStatus);
        }
    }

    private InvalidOperationException Unexpected(string awaited, Received message)
        => new($"{_name}: waited for {awaited} but received {Describe(message)}.");

    private static string Describe(Received message)
    {
        if (message.Type == WebSocketMessageType.Binary) return $"a binary message of {message.Data.Length} bytes";
        var text = Encoding.UTF8.GetString(message.Data);
        return text.Length <= 200 ? $"the text \"{text}\"" : $"a text of {text.Length} characters, \"{text[..200]}…\"";
    }

    private string CloseText()
        => _socket.CloseStatus is { } status ? $" (the server closed it with {(int)status} \"{_socket.CloseStatusDescription}\")" : "";

    /// <summary>Whether the JSON object has a member named <paramref name="name"/> at its top level (read, not parsed into a tree).</summary>
    private static bool HasTopLevelProperty(ReadOnlySpan<byte> json, string name)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name)) return true;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1) reader.Skip();
        }
        return false;
    }

    /// <summary>[WebSocketMessage("name")], else the type's name with its first letter in lower case, as the generator names it.</summary>
    private static string WireName(Type type)
    {
        if (type.GetCustomAttribute<WebSocketMessageAttribute>(inherit: false) is { } attribute) return attribute.Discriminator;
        // A generic type is named without its arity (Envelope`1 is "envelope"), as the generator names it.
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) name = name[..tick];
        return name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }

    private readonly record struct Received(WebSocketMessageType Type, byte[] Data);
}
