using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Endpoints.Runtime.Protocol;

/// <summary>
/// Writes RFC 6455 frames to the connection's stream. Callers hold the connection's send lock: one frame at a time.
/// A frame up to <see cref="CopyLimit"/> is written with its header in one write (text is encoded straight into the
/// frame); a larger one as its header and then the payload itself, without a copy.
/// </summary>
internal sealed class FrameWriter(Stream stream, MessageDeflater? deflater)
{
    private const int CopyLimit = 64 * 1024;

    /// <summary>Whether messages are sent compressed (permessage-deflate was agreed).</summary>
    public bool Compresses => deflater is not null;

    /// <summary>A whole text message; <paramref name="prefix"/> (an <c>endpoints.v1</c> header) goes in front of it, in the same message.</summary>
    public ValueTask WriteTextAsync(string text, byte[]? prefix = null)
        => deflater is null ? WriteTextFrameAsync(text, prefix ?? []) : WriteEncodedThenCompressedAsync(text, prefix ?? []);

    /// <summary>Writes one data frame: a whole message, or one fragment of a streamed one.</summary>
    /// <param name="opcode">Text or Binary for a message's first frame, Continuation after.</param>
    /// <param name="payload">The frame's payload (uncompressed).</param>
    /// <param name="fin">Whether this frame ends the message.</param>
    /// <param name="compressedMessage">Whether the message's frames are compressed (the first frame then carries RSV1).</param>
    public ValueTask WriteDataAsync(byte opcode, ReadOnlyMemory<byte> payload, bool fin, bool compressedMessage)
    {
        if (compressedMessage) return WriteCompressedAsync(opcode, payload.Span, fin);
        if (payload.Length <= CopyLimit) return WriteCopiedAsync(opcode, payload.Span, fin, compressed: false);
        return WriteHeaderThenPayloadAsync(opcode, payload, fin, prefix: []);
    }

    /// <summary>Whether a whole message of this size would be compressed; streamed senders decide once, on the first frame.</summary>
    public bool ShouldCompress(int firstFragmentLength) => deflater is not null && firstFragmentLength > 0;

    public ValueTask WriteBinaryAsync(ReadOnlyMemory<byte> data, byte[]? prefix = null) => WriteWholeAsync(Frame.Binary, data, prefix);

    /// <summary>Text already encoded as UTF-8 (a fan-out encodes once for every member).</summary>
    public ValueTask WriteUtf8TextAsync(ReadOnlyMemory<byte> utf8, byte[]? prefix = null) => WriteWholeAsync(Frame.Text, utf8, prefix);

    /// <summary>A whole message in one frame, with <paramref name="prefix"/> (an <c>endpoints.v1</c> header) in front of its payload.</summary>
    private ValueTask WriteWholeAsync(byte opcode, ReadOnlyMemory<byte> payload, byte[]? prefix)
    {
        if (prefix is null || prefix.Length == 0) return WriteDataAsync(opcode, payload, fin: true, ShouldCompress(payload.Length));
        if (deflater is not null)
        {
            // Compressed as one message: the header and the payload go through the deflater together.
            var joined = ArrayPool<byte>.Shared.Rent(prefix.Length + payload.Length);
            try
            {
                prefix.CopyTo(joined, 0);
                payload.Span.CopyTo(joined.AsSpan(prefix.Length));
                // Compress copies what it needs before it returns, so the joined buffer can go back at once.
                return WriteCompressedAsync(opcode, joined.AsSpan(0, prefix.Length + payload.Length), fin: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
        if (prefix.Length + payload.Length <= CopyLimit) return WriteCopiedAsync(opcode, prefix, payload.Span, fin: true, compressed: false);
        return WriteHeaderThenPayloadAsync(opcode, payload, fin: true, prefix);
    }

    /// <summary>A ping, pong or close frame (payload at most 125 bytes).</summary>
    public ValueTask WriteControlAsync(byte opcode, ReadOnlySpan<byte> payload) => WriteCopiedAsync(opcode, payload, fin: true, compressed: false);

    /// <summary>The close frame: the status, then the description as UTF-8, cut to fit the 125-byte limit.</summary>
    public ValueTask WriteCloseAsync(WebSocketCloseStatus status, string? description)
    {
        Span<byte> payload = stackalloc byte[Frame.MaxControlPayload];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        var length = 2;
        if (!string.IsNullOrEmpty(description)) length += EncodeCut(description, payload[2..]);
        return WriteControlAsync(Frame.Close, payload[..length]);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTextFrameAsync(string text, byte[] prefix)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Frame.MaxServerHeaderLength + prefix.Length + Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            // Encode after room for the longest header (and the prefix), then write the header right before the text.
            prefix.CopyTo(buffer, Frame.MaxServerHeaderLength);
            var length = prefix.Length + Encoding.UTF8.GetBytes(text, buffer.AsSpan(Frame.MaxServerHeaderLength + prefix.Length));
            var start = Frame.WriteServerHeaderBefore(buffer, Frame.MaxServerHeaderLength, Frame.Text, fin: true, compressed: false, length);
            await stream.WriteAsync(buffer.AsMemory(start, Frame.MaxServerHeaderLength + length - start)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteEncodedThenCompressedAsync(string text, byte[] prefix)
    {
        var encoded = ArrayPool<byte>.Shared.Rent(prefix.Length + Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            prefix.CopyTo(encoded, 0);
            var length = prefix.Length + Encoding.UTF8.GetBytes(text, encoded.AsSpan(prefix.Length));
            await WriteCompressedAsync(Frame.Text, encoded.AsSpan(0, length), fin: true).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    private ValueTask WriteCompressedAsync(byte opcode, ReadOnlySpan<byte> payload, bool fin)
    {
        var buffer = deflater!.Compress(payload, fin, out var length);
        if (buffer is null) return WriteCopiedAsync(opcode, payload, fin, compressed: false); // nothing to compress: an empty message goes plain
        return WritePreparedAsync(buffer, opcode, length, fin, compressed: opcode != Frame.Continuation);
    }

    /// <summary>Writes a payload that sits in <paramref name="buffer"/> after the header room, then returns the buffer to the pool.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WritePreparedAsync(byte[] buffer, byte opcode, int length, bool fin, bool compressed)
    {
        try
        {
            var start = Frame.WriteServerHeaderBefore(buffer, Frame.MaxServerHeaderLength, opcode, fin, compressed, length);
            await stream.WriteAsync(buffer.AsMemory(start, Frame.MaxServerHeaderLength + length - start)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ValueTask WriteCopiedAsync(byte opcode, ReadOnlySpan<byte> payload, bool fin, bool compressed)
        => WriteCopiedAsync(opcode, default, payload, fin, compressed);

    private ValueTask WriteCopiedAsync(byte opcode, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, bool fin, bool compressed)
    {
        var length = prefix.Length + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Frame.MaxServerHeaderLength + length);
        prefix.CopyTo(buffer.AsSpan(Frame.MaxServerHeaderLength));
        payload.CopyTo(buffer.AsSpan(Frame.MaxServerHeaderLength + prefix.Length));
        var start = Frame.WriteServerHeaderBefore(buffer, Frame.MaxServerHeaderLength, opcode, fin, compressed, length);
        ValueTask write;
        try
        {
            write = stream.WriteAsync(buffer.AsMemory(start, Frame.MaxServerHeaderLength + length - start));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (write.IsCompletedSuccessfully)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return default;
        }
        return ReturnAfterAsync(write, buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask ReturnAfterAsync(ValueTask write, byte[] buffer)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteHeaderThenPayloadAsync(byte opcode, ReadOnlyMemory<byte> payload, bool fin, byte[] prefix)
    {
        var header = ArrayPool<byte>.Shared.Rent(Frame.MaxServerHeaderLength + prefix.Length);
        try
        {
            // The frame's header, then the prefix: the start of the payload.
            prefix.CopyTo(header, Frame.MaxServerHeaderLength);
            var start = Frame.WriteServerHeaderBefore(header, Frame.MaxServerHeaderLength, opcode, fin, compressed: false, prefix.Length + payload.Length);
            await stream.WriteAsync(header.AsMemory(start, Frame.MaxServerHeaderLength + prefix.Length - start)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
        await stream.WriteAsync(payload).ConfigureAwait(false);
    }

    /// <summary>Encodes as much of <paramref name="text"/> as fits, never cutting a character in half.</summary>
    private static int EncodeCut(string text, Span<byte> destination)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(text, destination, flush: true, out _, out var written, out _);
        return written;
    }
}
