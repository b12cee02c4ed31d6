using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Endpoints.Runtime.Protocol;

/// <summary>RFC 6455 masking: every client payload byte is XORed with one of four mask bytes, in turn.</summary>
internal static class Masking
{
    /// <summary>The 32-bit mask as read from the frame, so that byte <c>i</c> of it is mask byte <c>i</c>.</summary>
    public static int Read(ReadOnlySpan<byte> maskBytes) => BinaryPrimitives.ReadInt32LittleEndian(maskBytes);

    /// <summary>Unmasks <paramref name="data"/> in place, starting at mask byte <paramref name="offset"/>; returns the offset after it.</summary>
    public static int Apply(Span<byte> data, int mask, int offset)
    {
        if (data.IsEmpty) return offset;
        if (!BitConverter.IsLittleEndian) return ApplyBytewise(data, mask, offset);

        // Rotate the mask so that its first byte is the one this data starts with.
        var rotated = (int)BitOperations.RotateRight((uint)mask, offset * 8);
        var done = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
        {
            var vectorMask = new Vector<int>(rotated);
            var vectors = MemoryMarshal.Cast<byte, Vector<int>>(data);
            for (var i = 0; i < vectors.Length; i++) vectors[i] ^= vectorMask;
            done = vectors.Length * Vector<byte>.Count;
        }
        var wideMask = (ulong)(uint)rotated | ((ulong)(uint)rotated << 32);
        var longs = MemoryMarshal.Cast<byte, ulong>(data[done..]);
        for (var i = 0; i < longs.Length; i++) longs[i] ^= wideMask;
        done += longs.Length * sizeof(ulong);
        // Vector and ulong lengths are multiples of 4, so the tail starts at mask byte 0 of the rotated mask.
        for (var i = done; i < data.Length; i++) data[i] ^= (byte)(rotated >> ((i - done) % 4 * 8));
        return (offset + data.Length) & 3;
    }

    private static int ApplyBytewise(Span<byte> data, int mask, int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, mask);
        for (var i = 0; i < data.Length; i++) data[i] ^= bytes[(offset + i) & 3];
        return (offset + data.Length) & 3;
    }
}
