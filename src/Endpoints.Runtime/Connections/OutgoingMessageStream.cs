using System.Buffers;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// The write-only stream a streamed send writes one message into. Writes are gathered into a pooled chunk and go out as
/// a fragment when it is full (or on <see cref="FlushAsync(CancellationToken)"/>); <see cref="CompleteAsync"/> sends the
/// last fragment. A small message is one frame. An <c>endpoints.v1</c> header (<paramref name="prefix"/>) starts the first
/// fragment.
/// </summary>
internal sealed class OutgoingMessageStream(FrameWriter writer, bool text, StreamControls controls, byte[]? prefix = null) : Stream
{
    private const int ChunkSize = 16 * 1024;
    private byte[]? _chunk = Rent(prefix);
    private int _length = prefix?.Length ?? 0;

    private static byte[] Rent(byte[]? prefix)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        prefix?.CopyTo(chunk, 0);
        return chunk;
    }
    private bool _started;
    private bool _compressed;
    private bool _completed;

    public long BytesWritten { get; private set; }

    /// <summary>Whether a fragment has gone out (or began to): the message can no longer be abandoned cleanly.</summary>
    public bool Started => _started || Failed;

    /// <summary>Whether a write to the connection failed (as opposed to the writer's own code).</summary>
    public bool Failed { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_completed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_chunk is null || _completed, this);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = Math.Min(buffer.Length, _chunk!.Length - _length);
            buffer.Span[..take].CopyTo(_chunk.AsSpan(_length));
            _length += take;
            BytesWritten += take;
            buffer = buffer[take..];
            if (_length == _chunk.Length) await SendFragmentAsync(fin: false).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Sends what is gathered as a fragment now.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length > 0 && !_completed) await SendFragmentAsync(fin: false).ConfigureAwait(false);
    }

    public override void Flush()
    {
        // Synchronous flushes (a StreamWriter's) only gather; fragments go out as chunks fill and at the end.
    }

    /// <summary>Ends the message: the last fragment, with the FIN bit.</summary>
    public async ValueTask CompleteAsync()
    {
        if (_completed) return;
        await SendFragmentAsync(fin: true).ConfigureAwait(false);
        _completed = true;
    }

    private async ValueTask SendFragmentAsync(bool fin)
    {
        if (!_started) _compressed = writer.ShouldCompress(_length);
        var opcode = _started ? Frame.Continuation : text ? Frame.Text : Frame.Binary;
        try
        {
            // Pongs and pings that came meanwhile go between the fragments.
            await controls.WriteAsync().ConfigureAwait(false);
            await writer.WriteDataAsync(opcode, _chunk.AsMemory(0, _length), fin, _compressed).ConfigureAwait(false);
        }
        catch
        {
            Failed = true;
            throw;
        }
        _started = true;
        _length = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _chunk is { } chunk)
        {
            _chunk = null;
            ArrayPool<byte>.Shared.Return(chunk);
        }
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
