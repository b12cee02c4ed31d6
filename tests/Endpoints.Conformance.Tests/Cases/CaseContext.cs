using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Unicode;
using Endpoints.Conformance.Tests.Infrastructure;

namespace Endpoints.Conformance.Tests.Cases;

/// <summary>
/// One case's connection, as Autobahn's fuzzing client runs it: the script sends frames through it while a reader records
/// everything the server sends (messages, pings, pongs, the close frame, anything after the close frame, the TCP end) and
/// checks each frame against RFC 6455 / RFC 7692 the way a client must.
/// </summary>
public sealed class CaseContext : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<Event> _received = [];
    private readonly List<string> _afterClose = [];
    private readonly MemoryStream _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _openedAt = Stopwatch.GetTimestamp();
    private Task _reader = Task.CompletedTask;

    private CaseContext(ConformanceCase @case, RawSocket socket)
    {
        Case = @case;
        Socket = socket;
        Expected = [.. @case.Expected];
    }

    public ConformanceCase Case { get; }
    public RawSocket Socket { get; }

    /// <summary>The verdict lists; a script may set them when they depend on the handshake (permessage-deflate).</summary>
    public List<(Verdict Verdict, IReadOnlyList<Event> Events)> Expected { get; set; }

    /// <summary>What was agreed for permessage-deflate; null without it.</summary>
    public DeflateAgreement? Deflate { get; private set; }

    /// <summary>The client's own compressor once permessage-deflate is agreed.</summary>
    public ClientDeflater? Deflater { get; private set; }
    private ClientInflater? _inflater;

    /// <summary>What the script wants the summary line to say (6.4.x: how soon the server failed).</summary>
    public string? Note { get; set; }

    /// <summary>A failure the script found itself (e.g. the server declined an offer it supports).</summary>
    public string? ScriptFailure { get; set; }

    /// <summary>Set by a script whose case has no verdict of its own here (a declined optional offer: UNIMPLEMENTED).</summary>
    public Verdict? BehaviorOverride { get; set; }

    /// <summary>How many of the server's messages came compressed (RSV1).</summary>
    public int CompressedMessagesReceived { get; private set; }

    // What the reader saw; read under _gate.
    public string? Violation { get; private set; }
    public ServerFrame? CloseFrame { get; private set; }
    public TimeSpan? CloseReceivedAt { get; private set; }
    public TcpEnd? End { get; private set; }
    public TimeSpan? EndAt { get; private set; }
    public bool EndedInsideFrame { get; private set; }

    // What the client did.
    public bool CloseSent { get; private set; }
    public TimeSpan? CloseSentAt { get; private set; }
    public string? WriteError { get; private set; }

    public TimeSpan Now => Stopwatch.GetElapsedTime(_openedAt);

    public IReadOnlyList<Event> Received
    {
        get
        {
            lock (_gate) return [.. _received];
        }
    }

    /// <summary>The event at <paramref name="index"/>, or null if there are not that many yet.</summary>
    public Event? EventAt(int index)
    {
        lock (_gate) return index < _received.Count ? _received[index] : null;
    }

    public IReadOnlyList<string> AfterClose
    {
        get
        {
            lock (_gate) return [.. _afterClose];
        }
    }

    /// <summary>The server has sent its close frame or ended the connection: Autobahn's state is no longer OPEN.</summary>
    public bool ServerClosing
    {
        get
        {
            lock (_gate) return CloseFrame is not null || End is not null;
        }
    }

    public static async Task<CaseContext> OpenAsync(ConformanceCase @case, int port, CancellationToken cancellationToken)
    {
        var socket = await RawSocket.ConnectAsync(port, "/echo", @case.ExtensionOffer, cancellationToken);
        var context = new CaseContext(@case, socket);
        if (@case.ExtensionOffer is { } offer)
        {
            var (agreement, error) = DeflateAgreement.FromResponse(offer, socket.ResponseExtensions);
            if (error is not null) throw new HandshakeException(error);
            if (agreement is not null)
            {
                context.Deflate = agreement;
                context.Deflater = new ClientDeflater(agreement.ClientNoContextTakeover, DeflateAgreement.ClientWindowBits(offer, agreement));
                context._inflater = new ClientInflater(agreement.ServerNoContextTakeover);
            }
        }
        else if (socket.ResponseExtensions is not null)
        {
            throw new HandshakeException($"The server answered Sec-WebSocket-Extensions '{socket.ResponseExtensions}' to a request that offered none.");
        }
        context._reader = Task.Run(context.ReadLoopAsync);
        return context;
    }

    // ----- sending (Autobahn's sendFrame / sendMessage / sendClose) -----

    /// <summary>
    /// Sends a frame. Plain frames are gathered and leave together at the next flush (as Twisted writes them in one go);
    /// <paramref name="sync"/> sends this frame as its own write, <paramref name="chop"/> in writes of that many bytes.
    /// </summary>
    public Task SendFrame(byte opcode, byte[]? payload = null, bool fin = true, int rsv = 0, int chop = 0, bool sync = false)
        => SendRaw(ClientFrame.Build(opcode, payload ?? [], fin, rsv), chop, sync);

    public async Task SendRaw(byte[] bytes, int chop = 0, bool sync = false)
    {
        if (chop <= 0 && !sync)
        {
            _pending.Write(bytes);
            return;
        }
        await FlushAsync();
        await WriteAsync(bytes, chop);
        if (sync) await Task.Delay(1);
    }

    /// <summary>A message in frames of <paramref name="fragmentSize"/> bytes (0: one frame), as sendMessage(fragmentSize) does.</summary>
    public async Task SendMessage(bool binary, byte[] payload, int fragmentSize = 0, bool sync = false)
    {
        var opcode = binary ? Opcode.Binary : Opcode.Text;
        if (fragmentSize <= 0 || payload.Length <= fragmentSize)
        {
            await SendFrame(opcode, payload, sync: sync);
            return;
        }
        for (var at = 0; at < payload.Length; at += fragmentSize)
        {
            var end = Math.Min(payload.Length, at + fragmentSize);
            await SendFrame(at == 0 ? opcode : Opcode.Continuation, payload[at..end], fin: end == payload.Length, sync: sync);
        }
    }

    /// <summary>
    /// A message compressed with the agreed permessage-deflate: RSV1 on the first frame, the compressed bytes cut into frames of
    /// <paramref name="autoFragmentSize"/> (0: one frame), as Autobahn's autoFragmentSize does. Sent at once.
    /// </summary>
    public async Task SendCompressed(bool binary, byte[] message, int autoFragmentSize)
    {
        var compressed = Deflater!.Compress(message);
        var opcode = binary ? Opcode.Binary : Opcode.Text;
        if (autoFragmentSize <= 0 || compressed.Length <= autoFragmentSize)
        {
            _pending.Write(ClientFrame.Build(opcode, compressed, true, rsv: 4));
        }
        else
        {
            for (var at = 0; at < compressed.Length; at += autoFragmentSize)
            {
                var end = Math.Min(compressed.Length, at + autoFragmentSize);
                _pending.Write(ClientFrame.Build(at == 0 ? opcode : Opcode.Continuation, compressed.AsSpan(at, end - at), end == compressed.Length, rsv: at == 0 ? 4 : 0));
            }
        }
        await FlushAsync();
    }

    /// <summary>A close frame with <paramref name="code"/> (null: no code) and the reason bytes as given; the client's close is then sent.</summary>
    public async Task SendClose(ushort? code = 1000, byte[]? reason = null, bool flush = false)
    {
        var frame = ClientFrame.Build(Opcode.Close, ClientFrame.ClosePayload(code, reason));
        _pending.Write(frame);
        if (!CloseSent)
        {
            CloseSent = true;
            CloseSentAt = Now;
        }
        if (flush) await FlushAsync();
    }

    /// <summary>Writes the gathered frames.</summary>
    public async Task FlushAsync()
    {
        if (_pending.Length == 0) return;
        var bytes = _pending.ToArray();
        _pending.SetLength(0);
        await WriteAsync(bytes, 0);
    }

    private async Task WriteAsync(byte[] bytes, int chop)
    {
        if (WriteError is not null) return;
        try
        {
            await Socket.WriteAsync(bytes, chop, _stop.Token);
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The server ended the connection while the client was still writing: later writes are skipped.
            WriteError = exception.Message;
        }
    }

    /// <summary>Flushes, then waits (Autobahn's continueLater).</summary>
    public async Task Pause(TimeSpan time)
    {
        await FlushAsync();
        await Task.Delay(time);
    }

    /// <summary>Adds a marker to the events, as Autobahn's 6.4.x cases record ("timeout", "A").</summary>
    public void Mark(string name)
    {
        lock (_gate)
        {
            _received.Add(Event.Mark(name));
            Signal();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> events are recorded, or the server closes, or time is up.</summary>
    public async Task<bool> WaitForEvents(int count, TimeSpan timeout)
    {
        await FlushAsync();
        await WaitUntilAsync(() => _received.Count >= count || CloseFrame is not null || End is not null, timeout);
        lock (_gate) return _received.Count >= count;
    }

    /// <summary>Waits (flushed) until the server sends its close frame or ends TCP; true if it did.</summary>
    public async Task<bool> WaitForServerClose(TimeSpan timeout)
    {
        await FlushAsync();
        return await WaitUntilAsync(() => CloseFrame is not null || End is not null, timeout);
    }

    /// <summary>Waits until <paramref name="condition"/> (evaluated under the lock) holds; false when time ran out.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition()) return true;
                changed = _changed.Task;
            }
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0) return false;
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)));
        }
    }

    // ----- reading -----

    private async Task ReadLoopAsync()
    {
        var parser = new ServerFrameParser();
        var message = new MemoryStream();
        byte? messageOpcode = null;
        var messageCompressed = false;
        TcpEnd end;
        try
        {
            while (true)
            {
                var read = await Socket.ReadAsync(parser.GetWriteMemory(), _stop.Token);
                if (read == 0)
                {
                    end = TcpEnd.Fin;
                    break;
                }
                parser.Advance(read);
                while (parser.TryRead() is { } frame) OnFrame(frame, message, ref messageOpcode, ref messageCompressed);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            end = TcpEnd.DroppedByClient;
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException)
        {
            end = _stop.IsCancellationRequested ? TcpEnd.DroppedByClient : TcpEnd.Reset;
        }
        catch (InvalidDataException exception)
        {
            lock (_gate) Violation ??= exception.Message;
            end = TcpEnd.DroppedByClient;
        }
        lock (_gate)
        {
            End = end;
            EndAt = Now;
            if (parser.Pending > 0)
            {
                EndedInsideFrame = true;
                if (CloseFrame is not null) _afterClose.Add($"{parser.Pending} bytes of an unfinished frame");
            }
            Signal();
        }
    }

    private void OnFrame(ServerFrame frame, MemoryStream message, ref byte? messageOpcode, ref bool messageCompressed)
    {
        lock (_gate)
        {
            try
            {
                if (CloseFrame is not null)
                {
                    _afterClose.Add(frame.ToString());
                    return;
                }
                if (frame.Masked) Violate($"The server masked a frame: {frame}.");
                if ((frame.Rsv & 3) != 0) Violate($"RSV2/RSV3 set on a server frame: {frame}.");
                var control = Opcode.IsControl(frame.Opcode);
                if (frame.Compressed && (Deflate is null || control || frame.Opcode == Opcode.Continuation)) Violate($"RSV1 set where it means nothing: {frame}.");
                if (control)
                {
                    if (!frame.Fin || frame.Payload.Length > 125) Violate($"An invalid control frame: {frame}.");
                    switch (frame.Opcode)
                    {
                        case Opcode.Ping:
                            _received.Add(Event.Ping(frame.Payload));
                            break;
                        case Opcode.Pong:
                            _received.Add(Event.Pong(frame.Payload));
                            break;
                        case Opcode.Close:
                            CloseFrame = frame;
                            CloseReceivedAt = Now;
                            break;
                        default:
                            Violate($"A reserved control opcode: {frame}.");
                            break;
                    }
                    return;
                }
                switch (frame.Opcode)
                {
                    case Opcode.Text or Opcode.Binary:
                        if (messageOpcode is not null) Violate($"A new message started inside a fragmented one: {frame}.");
                        messageOpcode = frame.Opcode;
                        messageCompressed = frame.Compressed;
                        message.SetLength(0);
                        break;
                    case Opcode.Continuation:
                        if (messageOpcode is null) Violate($"A continuation frame without a message: {frame}.");
                        break;
                    default:
                        Violate($"A reserved data opcode: {frame}.");
                        break;
                }
                message.Write(frame.Payload);
                if (!frame.Fin) return;
                var payload = message.ToArray();
                var binary = messageOpcode == Opcode.Binary;
                messageOpcode = null;
                if (messageCompressed)
                {
                    CompressedMessagesReceived++;
                    try
                    {
                        payload = _inflater!.Inflate(payload);
                    }
                    catch (InvalidDataException exception)
                    {
                        Violate($"A compressed message that does not inflate: {exception.Message}");
                    }
                }
                if (!binary && !Utf8.IsValid(payload)) Violate($"A text message that is not UTF-8 ({payload.Length} bytes).");
                _received.Add(Event.Message(binary, payload));
            }
            catch (ServerViolation)
            {
                // Recorded: the case has failed; the rest is still read, to see how the connection ends.
            }
            finally
            {
                Signal();
            }
        }
    }

    private void Violate(string what)
    {
        Violation ??= what;
        throw new ServerViolation();
    }

    private sealed class ServerViolation : Exception;

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>The close code of the server's close frame, if it had one.</summary>
    public ushort? ServerCloseCode => CloseFrame is { Payload.Length: >= 2 } close ? BinaryPrimitives.ReadUInt16BigEndian(close.Payload) : null;

    /// <summary>Drops the connection (the client's side), which also ends the reader.</summary>
    public async Task DropAsync()
    {
        Socket.Drop();
        await _stop.CancelAsync();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await DropAsync();
        await Socket.DisposeAsync();
        Deflater?.Dispose();
        _inflater?.Dispose();
        _stop.Dispose();
    }
}
