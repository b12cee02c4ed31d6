using System.Net.WebSockets;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Transport;

/// <summary>Why a streamed message could not be read to its end.</summary>
internal enum StreamFault
{
    None,
    TooBig,
    InvalidUtf8,
    InputEnded,
}

/// <summary>
/// A message read while it arrives, for an <c>OnBinary(Stream)</c> or <c>OnText(TextReader)</c>: each read returns the
/// payload bytes that have arrived, never the whole message at once, so memory stays bounded by the caller's buffer.
/// Size and (for text) UTF-8 are checked on the way through. Once the callback returns, the stream is detached: the
/// receive loop skips what was not read, and further reads fail.
/// </summary>
internal sealed class IncomingMessageStream(FrameReader reader, bool text, long limit) : Stream
{
    private Utf8Validator _utf8;
    private long _length;
    private bool _detached;

    /// <summary>Whether the message has been read to its end.</summary>
    public bool Completed { get; private set; }

    public StreamFault Fault { get; private set; }

    /// <summary>The reader's signal when the input ended in the middle of the message.</summary>
    public ReadSignal EndSignal { get; private set; }

    public long MessageLength => _length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_detached, this);
        ThrowIfFaulted();
        if (Completed || buffer.IsEmpty) return 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = await reader.ReadPayloadAsync(buffer).ConfigureAwait(false);
            var count = Check(read, buffer.Span);
            ThrowIfFaulted();
            if (count > 0 || Completed) return count;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>The callback has returned: no more reads from it.</summary>
    public void Detach() => _detached = true;

    /// <summary>Reads and drops what the callback did not read, still checking size and UTF-8.</summary>
    public async ValueTask SkipRestAsync(Memory<byte> scratch)
    {
        while (!Completed && Fault == StreamFault.None)
        {
            var read = await reader.ReadPayloadAsync(scratch).ConfigureAwait(false);
            Check(read, scratch.Span);
        }
    }

    private int Check(PayloadRead read, ReadOnlySpan<byte> buffer)
    {
        if (read.Signal != ReadSignal.Data)
        {
            Fault = StreamFault.InputEnded;
            EndSignal = read.Signal;
            return 0;
        }
        _length += read.Count;
        if (_length > limit)
        {
            Fault = StreamFault.TooBig;
            return 0;
        }
        if (text && !_utf8.Validate(buffer[..read.Count], read.EndOfMessage))
        {
            Fault = StreamFault.InvalidUtf8;
            return 0;
        }
        if (read.EndOfMessage) Completed = true;
        return read.Count;
    }

    private void ThrowIfFaulted()
    {
        switch (Fault)
        {
            case StreamFault.TooBig:
                throw new WebSocketException(WebSocketError.Faulted, $"The message is larger than the limit of {limit} bytes; the connection is being closed with 1009.");
            case StreamFault.InvalidUtf8:
                throw new WebSocketException(WebSocketError.Faulted, "The text message is not valid UTF-8; the connection is being closed with 1007.");
            case StreamFault.InputEnded:
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection ended before the message did.");
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
