using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Endpoints.Runtime.Connections;
using Endpoints.Runtime.Diagnostics;
using Endpoints.Runtime.Fanout;
using Endpoints.Runtime.Hosting;
using Endpoints.Runtime.Protocol;
using Microsoft.Extensions.Hosting;

namespace Endpoints.Runtime.Transport;

/// <summary>
/// Runs one accepted connection: OnOpen, then every message in arrival order, one at a time, into the generated
/// handler; then OnClose exactly once. Ends through the <see cref="CloseHandshake"/>, whatever the reason.
/// </summary>
internal sealed class ReceiveLoop : IHostStoppingListener
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    // Cached so that tagging a close allocates no string.
    private static readonly string[] s_reasonTags = Enum.GetNames<WebSocketCloseReason>().Select(static name => name.ToLowerInvariant()).ToArray();

    private readonly FrameReader _reader;
    private readonly ServerWebSocketConnection _connection;
    private readonly CloseHandshake _close;
    private readonly IEndpointCallbacks _handler;
    private readonly MappedEndpoint _endpoint;
    private readonly MessageRateLimiter? _rateLimiter;
    // endpoints.v1: every message starts with a header (docs/protocol.md).
    private readonly bool _envelope;
    // A resumable endpoint's endpoints.v1 client opens with its hello before anything else (and before OnOpen).
    private bool _awaitingHello;
    private bool _helloHandled;

    // The size of the last message assembled from pieces: once the next one outgrows the first buffer, it grows straight
    // to this size rather than doubling from small. Not rented up front: a client that starts a message and stalls holds
    // only the first buffer, whatever came before.
    private int _sizeHint;

    // Restarted by every message; when it fires the connection has been idle too long.
    private ITimer? _idleTimer;
    private long _dataBytesAtIdleCheck;

    // Host shutdown lets a running callback finish (bounded) before the close, instead of cutting it off.
    private volatile bool _stopping;
    private int _inCallback;
    private ITimer? _shutdownTimer;

    public ReceiveLoop(ServerWebSocketConnection connection, IEndpointCallbacks handler)
    {
        _connection = connection;
        _close = connection.CloseHandshake;
        _handler = handler;
        _endpoint = connection.Endpoint;
        _envelope = connection.SpeaksEnvelope;
        _awaitingHello = _envelope && _endpoint.Registry.Streams is not null;
        _rateLimiter = _endpoint.Options.MessageRateLimit is { } limit ? new MessageRateLimiter(limit, _endpoint.Time) : null;
        _reader = new FrameReader(connection.Stream, _endpoint.ReceiveBufferSize, connection, connection.Deflate is { } deflate ? new MessageInflater(deflate.ClientNoContextTakeover) : null)
        {
            TextMessageLimit = handler.StreamsText ? _endpoint.MaxStreamedMessageSize : _endpoint.MaxMessageSize,
            BinaryMessageLimit = handler.StreamsBinary ? _endpoint.MaxStreamedMessageSize : _endpoint.MaxMessageSize,
        };
    }

    /// <summary>The connection's span, if spans are listened to; ended with the connection.</summary>
    public Activity? Activity { get; init; }

    /// <summary>
    /// Owns the connection's life: counts it, registers it (its id gets <paramref name="connectionIdPrefix"/>), waits for
    /// the backplane to take the registration, runs OnOpen, the messages and OnClose, and whatever happens on the way
    /// (an abort during the backplane's wait, a throwing OnOpen, a wedged send, host shutdown) unregisters, counts, traces
    /// and releases it in one finally. Says how it ended.
    /// </summary>
    public async Task<WebSocketCloseInfo> RunAsync(string connectionIdPrefix, string? userId, IHostApplicationLifetime? lifetime)
    {
        // One state machine for the whole connection: an idle connection holds nothing more while it waits.
        WebSocketCloseInfo? result = null;
        _endpoint.Metrics.OpenedConnections.Add(1, _endpoint.Tag);
        _endpoint.Metrics.ActiveConnections.Add(1, _endpoint.Tag);
        try
        {
            // Registered before OnOpen (so it can join groups) and unregistered however the connection ends.
            _connection.Register(connectionIdPrefix, userId, this);
            if (lifetime?.ApplicationStopping.IsCancellationRequested == true) OnHostStopping();
            // With other servers: what they send to this connection's user reaches it from OnOpen on.
            var ready = _endpoint.Registry.WhenBackplaneAppliedAsync(_connection.Aborted);
            if (_endpoint.Options.IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                _idleTimer = _endpoint.Time.CreateTimer(static state => ((ReceiveLoop)state!).OnIdleTimeout(), this, _endpoint.Options.IdleTimeout, Timeout.InfiniteTimeSpan);
            }
            var opened = false;
            Exception? notReady = null;
            WebSocketCloseInfo? endedBeforeHello = null;
            try
            {
                await ready.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                // The peer left (or the backplane gave up) before the connection could open.
                notReady = exception;
            }
            if (notReady is null && _awaitingHello)
            {
                try
                {
                    endedBeforeHello = await AwaitHelloAsync().ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    // Nothing may escape before the connection's end is in hand: it would stay registered.
                    Log.CallbackFailed(_endpoint.Logger, exception, _connection.Id, _endpoint.Name);
                    endedBeforeHello = await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
                }
            }
            if (notReady is null && endedBeforeHello is null)
            {
                try
                {
                    EnterCallback();
                    await _handler.OnOpenAsync().ConfigureAwait(false);
                    opened = true;
                }
                catch (Exception exception)
                {
                    // The connection never opened: no OnError or OnClose, because there is no state to give them.
                    Log.OnOpenFailed(_endpoint.Logger, exception, _connection.Id, _endpoint.Name);
                }
                finally
                {
                    LeaveCallback();
                }
            }

            WebSocketCloseInfo close;
            try
            {
                if (opened)
                {
                    Log.Opened(_endpoint.Logger, _connection.Id, _endpoint.Name);
                    while (true)
                    {
                        if (_reader.IsIdle)
                        {
                            // An idle connection parks here, in this one state machine, without a buffer: nothing else is
                            // held while it waits for its next message.
                            try
                            {
                                await _reader.WaitForInputAsync().ConfigureAwait(false);
                            }
                            catch (Exception exception)
                            {
                                close = await InputEndedAsync(_reader.InputFailed(exception)).ConfigureAwait(false);
                                break;
                            }
                        }
                        if (await ReceiveMessageAsync().ConfigureAwait(false) is { } ended)
                        {
                            close = ended;
                            break;
                        }
                    }
                }
                else if (endedBeforeHello is { } ended)
                {
                    close = ended;
                }
                else if (notReady is null)
                {
                    close = await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
                }
                else
                {
                    close = _connection.IsAborted
                        ? _close.InputEnded(null, timedOut: false)
                        : await FailAsync(WebSocketCloseStatus.EndpointUnavailable, "Scale-out unavailable", WebSocketCloseReason.Error).ConfigureAwait(false);
                }
                await _connection.Transmitter.Completion.ConfigureAwait(false);
            }
            finally
            {
                _idleTimer?.Dispose();
                _shutdownTimer?.Dispose();
                _reader.Dispose();
                // Out of every group before OnClose, so what OnClose tells the others does not go to this connection.
                _connection.Unregister();
                _connection.MarkEnded();
            }

            Log.Closed(_endpoint.Logger, _connection.Id, _endpoint.Name, close.Reason, close.Status);
            if (!opened) return (result = close).Value;
            try
            {
                await _handler.OnCloseAsync(close).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Log.OnCloseFailed(_endpoint.Logger, exception, _connection.Id, _endpoint.Name);
            }
            return (result = close).Value;
        }
        finally
        {
            Ended(result);
        }
    }

    /// <summary>Reads until the client's hello has opened or resumed its session; the close when the connection ended first.</summary>
    private async Task<WebSocketCloseInfo?> AwaitHelloAsync()
    {
        while (_awaitingHello)
        {
            if (_reader.IsIdle)
            {
                try
                {
                    await _reader.WaitForInputAsync().ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    return await InputEndedAsync(_reader.InputFailed(exception)).ConfigureAwait(false);
                }
            }
            if (await ReceiveMessageAsync().ConfigureAwait(false) is { } ended) return ended;
        }
        return null;
    }

    /// <summary>
    /// The client's hello: <c>{"session":…,"positions":{stream:{"e":…,"o":…}}}</c>. Opens or resumes its session (on a
    /// resumable endpoint) and answers with the welcome. A malformed hello is a protocol error.
    /// </summary>
    private async ValueTask<WebSocketCloseInfo?> HelloAsync(ReadOnlyMemory<byte> payload)
    {
        // A second hello is ignored, whatever it holds.
        if (_helloHandled) return null;
        _helloHandled = true;
        if (!TryReadHello(payload.Span, _endpoint.Options.MaxGroupsPerConnection + 3, out var token, out var positions)) return await InvalidHeaderAsync().ConfigureAwait(false);
        _awaitingHello = false;
        try
        {
            await _connection.HelloAsync(token, positions).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The backplane could not open the session: the client is asked to come back.
            Log.CallbackFailed(_endpoint.Logger, exception, _connection.Id, _endpoint.Name);
            return await FailAsync((WebSocketCloseStatus)1013, "Try again later", WebSocketCloseReason.Error).ConfigureAwait(false);
        }
        return null;
    }

    private static bool TryReadHello(ReadOnlySpan<byte> json, int maxPositions, out string? token, out Dictionary<string, StreamPosition> positions)
    {
        token = null;
        positions = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("session"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) token = reader.GetString();
                    else if (reader.TokenType != JsonTokenType.Null) return false;
                }
                else if (reader.ValueTextEquals("positions"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var stream = reader.GetString()!;
                        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                        string? epoch = null;
                        long offset = -1;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var isEpoch = reader.ValueTextEquals("e"u8);
                            var isOffset = !isEpoch && reader.ValueTextEquals("o"u8);
                            if (!reader.Read()) return false;
                            if (isEpoch)
                            {
                                if (reader.TokenType != JsonTokenType.String) return false;
                                epoch = reader.GetString();
                            }
                            else if (isOffset)
                            {
                                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var o) || o < 0) return false;
                                offset = o;
                            }
                            else
                            {
                                reader.Skip(); // a field of a later version
                            }
                        }
                        if (epoch is null || offset < 0) return false;
                        // A long session keeps positions of streams it left: those past what a connection can be subscribed to are not needed.
                        if (positions.Count < maxPositions) positions[stream] = new StreamPosition(epoch, offset);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // Not JSON, or a token of another type than the reader was asked for: not a hello.
            return false;
        }
    }

    /// <summary>What ends every connection: counted, traced, and the connection's objects released.</summary>
    private void Ended(WebSocketCloseInfo? close)
    {
        // Already done on every path that got past registering; idempotent, for one that threw in between.
        _connection.Unregister();
        var metrics = _endpoint.Metrics;
        metrics.ActiveConnections.Add(-1, _endpoint.Tag);
        var activity = Activity;
        if (close is { } info)
        {
            metrics.ClosedConnections.Add(1, _endpoint.Tag, new KeyValuePair<string, object?>("reason", ReasonTag(info.Reason)));
            if (activity is not null)
            {
                activity.SetTag("websocket.close.reason", ReasonTag(info.Reason));
                if (info.Status is { } status) activity.SetTag("websocket.close.status", (int)status);
                if (info.Reason is WebSocketCloseReason.Error or WebSocketCloseReason.ProtocolError) activity.SetStatus(ActivityStatusCode.Error);
            }
        }
        activity?.Dispose();
        _connection.Dispose();
    }

    private static string ReasonTag(WebSocketCloseReason reason)
        => (uint)reason < (uint)s_reasonTags.Length ? s_reasonTags[(int)reason] : reason.ToString();

    /// <summary>
    /// Reads the next message and hands it to the endpoint; the close when the connection ends, else null (also when
    /// only control frames had arrived).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> ReceiveMessageAsync()
    {
        // Control frames before the message are handled on the way.
        var signal = await _reader.NextMessageAsync().ConfigureAwait(false);
        if (signal == ReadSignal.Idle) return null;
        if (signal != ReadSignal.Data) return await InputEndedAsync(signal).ConfigureAwait(false);
        if (_idleTimer is not null)
        {
            Volatile.Write(ref _dataBytesAtIdleCheck, _reader.DataBytesRead);
            _idleTimer.Change(_endpoint.Options.IdleTimeout, Timeout.InfiniteTimeSpan);
        }

        var text = _reader.MessageType == WebSocketMessageType.Text;
        if (_close.IsRequested)
        {
            // Closing: late messages are dropped, and nothing more is answered.
            _reader.StartDiscarding();
            return await SkipMessageAsync().ConfigureAwait(false);
        }
        var streamed = text ? _handler.StreamsText : _handler.StreamsBinary;
        var accepted = streamed || (text ? _handler.AcceptsText : _handler.AcceptsBinary);
        // With endpoints.v1 a message of a kind the endpoint does not take may still be an answer to one of its requests.
        if (!accepted && !_envelope) return await NotAcceptedAsync(text).ConfigureAwait(false);
        if (_rateLimiter is not null && !_rateLimiter.TryAcquire())
        {
            if (_rateLimiter.Policy == MessageRateLimitPolicy.Close)
            {
                return await FailAsync(WebSocketCloseStatus.PolicyViolation, "Message rate limit exceeded", WebSocketCloseReason.PolicyViolation).ConfigureAwait(false);
            }
            return await SkipMessageAsync().ConfigureAwait(false);
        }
        return streamed ? await ReceiveStreamedAsync(text).ConfigureAwait(false) : await ReceiveWholeAsync(text, answersOnly: !accepted).ConfigureAwait(false);
    }

    private Task<WebSocketCloseInfo> NotAcceptedAsync(bool text)
        => FailAsync(WebSocketCloseStatus.InvalidMessageType, text ? "Text messages are not accepted" : "Binary messages are not accepted", WebSocketCloseReason.ProtocolError);

    private Task<WebSocketCloseInfo> InvalidHeaderAsync()
        => FailAsync(WebSocketCloseStatus.ProtocolError, "Invalid " + Envelope.SubProtocol + " header", WebSocketCloseReason.ProtocolError);

    /// <summary>A whole message: handed over without a copy when it arrived in one piece, else assembled up to the limit.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> ReceiveWholeAsync(bool text, bool answersOnly)
    {
        if (_reader.TryTakeWholeMessage(out var whole))
        {
            if (whole.Length > _endpoint.MaxMessageSize) return await TooBigAsync().ConfigureAwait(false);
            if (text && !Utf8.IsValid(whole.Span)) return await InvalidUtf8Async().ConfigureAwait(false);
            return await DispatchAsync(text, whole, answersOnly).ConfigureAwait(false);
        }

        // One byte more than the limit shows a message that is too big; in long, so a limit of int.MaxValue does not overflow.
        var capacity = (int)Math.Min((long)_endpoint.MaxMessageSize + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(capacity, _endpoint.ReceiveBufferSize));
        try
        {
            var utf8 = default(Utf8Validator);
            var count = 0;
            while (true)
            {
                if (count == capacity) return await TooBigAsync().ConfigureAwait(false);
                if (count == buffer.Length) buffer = Grow(buffer, count, capacity, _sizeHint);
                var read = await _reader.ReadPayloadAsync(buffer.AsMemory(count, Math.Min(buffer.Length, capacity) - count)).ConfigureAwait(false);
                if (read.Signal != ReadSignal.Data) return await InputEndedAsync(read.Signal).ConfigureAwait(false);
                // Checked as it arrives: a bad byte closes the connection at once, not when the message ends.
                if (text && !utf8.Validate(buffer.AsSpan(count, read.Count), read.EndOfMessage)) return await InvalidUtf8Async().ConfigureAwait(false);
                count += read.Count;
                if (count > _endpoint.MaxMessageSize) return await TooBigAsync().ConfigureAwait(false);
                if (read.EndOfMessage) break;
            }
            _sizeHint = count;
            return await DispatchAsync(text, buffer.AsMemory(0, count), answersOnly).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int count, int capacity, int sizeHint)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)buffer.Length * 2, sizeHint), capacity));
        buffer.AsSpan(0, count).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> DispatchAsync(bool text, ReadOnlyMemory<byte> message, bool answersOnly)
    {
        long request = 0;
        if (_envelope)
        {
            if (!Envelope.TryRead(message.Span, out var header, out var payloadStart)) return await InvalidHeaderAsync().ConfigureAwait(false);
            if (header.Control is { } control)
            {
                if (control == "hello" && text) return await HelloAsync(message[payloadStart..]).ConfigureAwait(false);
                // A control message of a later version: ignored whole; but the first message must be the hello.
                return _awaitingHello ? await InvalidHeaderAsync().ConfigureAwait(false) : null;
            }
            if (_awaitingHello) return await InvalidHeaderAsync().ConfigureAwait(false);
            if (header.Answers != 0)
            {
                _connection.Requests.Answer(header, message.Span[payloadStart..]);
                return null;
            }
            if (answersOnly) return await NotAcceptedAsync(text).ConfigureAwait(false);
            message = message[payloadStart..];
            request = header.Id;
            if (HandledBefore(header)) return await AcknowledgeAgainAsync(request).ConfigureAwait(false);
        }
        _endpoint.Metrics.MessagesReceived.Add(1, _endpoint.Tag);
        _endpoint.Metrics.BytesReceived.Add(message.Length, _endpoint.Tag);
        Exception? callbackError = null;
        var started = _endpoint.Metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        _connection.BeginHandling(request);
        EnterCallback();
        try
        {
            await (text ? _handler.OnTextAsync(message) : _handler.OnBinaryAsync(message)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            callbackError = exception;
        }
        LeaveCallback();
        if (started != 0) _endpoint.Metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _endpoint.Tag);
        if (request != 0) return await AnswerAsync(callbackError).ConfigureAwait(false);
        return callbackError is null ? null : await CallbackFailedAsync(callbackError).ConfigureAwait(false);
    }

    /// <summary>A client message sent again after a reconnect whose number its session handled before: handled once.</summary>
    private bool HandledBefore(in EnvelopeHeader header)
        => header.Number != 0 && _connection.Subscriber is { } subscriber && !_endpoint.Registry.Streams!.TryHandle(subscriber.Session, header.Number);

    /// <summary>Not handled again; a request among them is acknowledged (it was handled, its answer lost with the connection).</summary>
    private async ValueTask<WebSocketCloseInfo?> AcknowledgeAgainAsync(long request)
    {
        if (request == 0) return null;
        _connection.BeginHandling(request);
        return await AnswerAsync(null).ConfigureAwait(false);
    }

    /// <summary>
    /// The client's request has been handled: unless the handler replied, it is acknowledged, or rejected when the handler
    /// threw. A request that fails does not end the connection.
    /// </summary>
    private async ValueTask<WebSocketCloseInfo?> AnswerAsync(Exception? callbackError)
    {
        // A rejection the endpoint meant is the client's answer, not a server error.
        if (callbackError is not null and not WebSocketRequestException) await ReportErrorAsync(callbackError).ConfigureAwait(false);
        var request = _connection.UnansweredRequest;
        if (request == 0) return null;
        var answer = callbackError switch
        {
            null => Envelope.Answer(request),
            WebSocketRequestException rejected => Envelope.Error(request, rejected.Message),
            _ => Envelope.Error(request, "The server could not handle the request."),
        };
        try
        {
            await _connection.Transmitter.SendAsync(WebSocketMessage.FromUtf8Text(ReadOnlyMemory<byte>.Empty), CancellationToken.None, answer).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The connection is going: the next read sees it end.
        }
        return null;
    }

    /// <summary>A streamed message: the callback reads it while it arrives; what it leaves unread is skipped.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> ReceiveStreamedAsync(bool text)
    {
        using var stream = new IncomingMessageStream(_reader, text, _endpoint.MaxStreamedMessageSize);
        long request = 0;
        if (_envelope)
        {
            var (valid, header) = await ReadHeaderAsync(stream).ConfigureAwait(false);
            if (stream.Fault != StreamFault.None) return await StreamFailedAsync(stream).ConfigureAwait(false);
            if (!valid || (_awaitingHello && header.Control != "hello")) return await InvalidHeaderAsync().ConfigureAwait(false);
            if (header.Answers != 0 || header.Control is not null) return await ReceiveStreamedAnswerAsync(stream, header).ConfigureAwait(false);
            request = header.Id;
            if (HandledBefore(header))
            {
                stream.Detach();
                await SkipRestAsync(stream).ConfigureAwait(false);
                if (stream.Fault != StreamFault.None) return await StreamFailedAsync(stream).ConfigureAwait(false);
                return await AcknowledgeAgainAsync(request).ConfigureAwait(false);
            }
        }
        Exception? callbackError = null;
        var started = _endpoint.Metrics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        _connection.BeginHandling(request);
        EnterCallback();
        try
        {
            if (text)
            {
                using var textReader = new StreamReader(stream, s_utf8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                await _handler.OnTextStreamAsync(textReader).ConfigureAwait(false);
            }
            else
            {
                await _handler.OnBinaryStreamAsync(stream).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            callbackError = exception;
        }
        LeaveCallback();
        stream.Detach();
        if (started != 0) _endpoint.Metrics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _endpoint.Tag);

        // A fault is the peer's doing (too big, bad UTF-8, gone), even if the callback threw because of it.
        if (stream.Fault == StreamFault.None && callbackError is not null && request == 0) return await CallbackFailedAsync(callbackError).ConfigureAwait(false);
        if (stream.Fault == StreamFault.None && !stream.Completed) await SkipRestAsync(stream).ConfigureAwait(false);
        if (stream.Fault != StreamFault.None) return await StreamFailedAsync(stream).ConfigureAwait(false);
        _endpoint.Metrics.MessagesReceived.Add(1, _endpoint.Tag);
        _endpoint.Metrics.BytesReceived.Add(stream.MessageLength, _endpoint.Tag);
        return request == 0 ? null : await AnswerAsync(callbackError).ConfigureAwait(false);
    }

    /// <summary>Reads and drops what is left of a streamed message (still checked for size and UTF-8).</summary>
    private static async ValueTask SkipRestAsync(IncomingMessageStream stream)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            await stream.SkipRestAsync(scratch).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private async Task<WebSocketCloseInfo> StreamFailedAsync(IncomingMessageStream stream) => stream.Fault switch
    {
        StreamFault.TooBig => await TooBigAsync().ConfigureAwait(false),
        StreamFault.InvalidUtf8 => await InvalidUtf8Async().ConfigureAwait(false),
        _ => await InputEndedAsync(stream.EndSignal).ConfigureAwait(false),
    };

    /// <summary>
    /// Reads the <c>endpoints.v1</c> header that starts a streamed message, a byte at a time so that the callback's
    /// reading starts right after its line feed. Not valid without a line feed within the limit.
    /// </summary>
    private static async ValueTask<(bool Valid, EnvelopeHeader Header)> ReadHeaderAsync(IncomingMessageStream stream)
    {
        var line = ArrayPool<byte>.Shared.Rent(Envelope.MaxHeaderLength + 1);
        try
        {
            for (var length = 0; length <= Envelope.MaxHeaderLength; length++)
            {
                if (await stream.ReadAsync(line.AsMemory(length, 1)).ConfigureAwait(false) == 0) return (false, default);
                if (line[length] != (byte)'\n') continue;
                var valid = Envelope.TryParse(line.AsSpan(0, length), out var header);
                return (valid, header);
            }
            return (false, default);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    /// <summary>An answer to one of this server's requests (or a control message this version ignores) on a streaming endpoint: read whole, not handed to the callback.</summary>
    private async ValueTask<WebSocketCloseInfo?> ReceiveStreamedAnswerAsync(IncomingMessageStream stream, EnvelopeHeader header)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var count = 0;
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count >= _endpoint.MaxMessageSize) return await TooBigAsync().ConfigureAwait(false);
                    buffer = Grow(buffer, count, (int)Math.Min((long)_endpoint.MaxMessageSize + 1, Array.MaxLength), _sizeHint);
                }
                var read = await stream.ReadAsync(buffer.AsMemory(count)).ConfigureAwait(false);
                if (stream.Fault != StreamFault.None) return await StreamFailedAsync(stream).ConfigureAwait(false);
                if (read == 0) break;
                count += read;
            }
            if (header.Answers != 0) _connection.Requests.Answer(header, buffer.AsSpan(0, count));
            else if (header.Control == "hello") return await HelloAsync(buffer.AsMemory(0, count)).ConfigureAwait(false);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Drops the current message unread; the close if the input ended meanwhile, else null.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketCloseInfo?> SkipMessageAsync()
    {
        PayloadRead skipped;
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            // A dropped message is still bounded: a client kept at its rate limit cannot make the server inflate without end.
            skipped = await _reader.SkipMessageAsync(scratch, _reader.CurrentMessageLimit).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        return skipped.Signal == ReadSignal.Data ? null : await InputEndedAsync(skipped.Signal).ConfigureAwait(false);
    }

    private Task<WebSocketCloseInfo> TooBigAsync() => FailAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", WebSocketCloseReason.MessageTooBig);

    private Task<WebSocketCloseInfo> InvalidUtf8Async()
        => FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in text message", WebSocketCloseReason.ProtocolError);

    private async Task<WebSocketCloseInfo> CallbackFailedAsync(Exception error)
    {
        await ReportErrorAsync(error).ConfigureAwait(false);
        return await FailAsync(WebSocketCloseStatus.InternalServerError, "Internal error", WebSocketCloseReason.Error).ConfigureAwait(false);
    }

    private Task<WebSocketCloseInfo> FailAsync(WebSocketCloseStatus status, string description, WebSocketCloseReason reason)
        => _close.FailAsync(status, description, reason, _reader);

    /// <summary>The input ended: the peer's close frame, a protocol error, or the end of the connection.</summary>
    private async Task<WebSocketCloseInfo> InputEndedAsync(ReadSignal signal)
    {
        switch (signal)
        {
            case ReadSignal.PeerClosed:
                return _close.PeerClosed(_reader.PeerCloseStatus, _reader.PeerCloseDescription);
            case ReadSignal.ProtocolError:
                Log.ProtocolError(_endpoint.Logger, _connection.Id, _reader.FailureDescription ?? "");
                var reason = _reader.FailureStatus == WebSocketCloseStatus.MessageTooBig ? WebSocketCloseReason.MessageTooBig : WebSocketCloseReason.ProtocolError;
                return await _close.FailProtocolAsync(_reader.FailureStatus, _reader.FailureDescription ?? "Protocol error", reason, _reader).ConfigureAwait(false);
            default:
                return _close.InputEnded(_reader.EndedBy, _connection.KeepAliveTimedOut);
        }
    }

    /// <summary>
    /// No message has started for the idle timeout. A message still arriving (a slow streamed upload) is activity: the
    /// timeout starts again as long as its data keeps coming.
    /// </summary>
    private void OnIdleTimeout()
    {
        var received = _reader.DataBytesRead;
        if (received != Volatile.Read(ref _dataBytesAtIdleCheck))
        {
            Volatile.Write(ref _dataBytesAtIdleCheck, received);
            _idleTimer?.Change(_endpoint.Options.IdleTimeout, Timeout.InfiniteTimeSpan);
            return;
        }
        _close.TryRequest(WebSocketCloseStatus.NormalClosure, "Idle timeout", WebSocketCloseReason.TimedOut);
    }

    /// <summary>
    /// The host is stopping: close with 1001 now, or, if a callback is running, as soon as it returns. A callback still
    /// running after the close timeout is logged and the close goes ahead.
    /// </summary>
    public void OnHostStopping()
    {
        _stopping = true;
        if (Volatile.Read(ref _inCallback) == 0)
        {
            CloseForShutdown();
            return;
        }
        _shutdownTimer = _endpoint.Time.CreateTimer(static state => ((ReceiveLoop)state!).CallbackOutlivedShutdown(), this, _endpoint.Options.CloseTimeout, Timeout.InfiniteTimeSpan);
    }

    private void CallbackOutlivedShutdown()
    {
        Log.CallbackOutlivedShutdown(_endpoint.Logger, _connection.Id, _endpoint.Name);
        CloseForShutdown();
    }

    private void CloseForShutdown()
        => _close.TryRequest(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseReason.ServerShutdown);

    private void EnterCallback() => Volatile.Write(ref _inCallback, 1);

    private void LeaveCallback()
    {
        Volatile.Write(ref _inCallback, 0);
        if (_stopping) CloseForShutdown();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReportErrorAsync(Exception error)
    {
        _endpoint.Metrics.Errors.Add(1, _endpoint.Tag);
        Log.CallbackFailed(_endpoint.Logger, error, _connection.Id, _endpoint.Name);
        try
        {
            await _handler.OnErrorAsync(error).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.OnErrorFailed(_endpoint.Logger, exception, _connection.Id, _endpoint.Name);
        }
    }
}
