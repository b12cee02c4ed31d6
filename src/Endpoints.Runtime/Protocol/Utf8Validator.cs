using System.Text;
using System.Text.Unicode;

namespace Endpoints.Runtime.Protocol;

/// <summary>
/// Validates a text message's UTF-8 as it arrives, chunk by chunk, carrying a code point split across chunks (or
/// frames) over to the next one, so that an invalid byte is found as soon as it arrives, not when the message ends.
/// </summary>
internal struct Utf8Validator
{
    // The start of a code point whose remaining bytes have not arrived yet (at most 3 bytes).
    private uint _pending;
    private int _pendingLength;

    /// <summary>Validates the next chunk; <paramref name="final"/> when it is the end of the message. False at the first invalid byte.</summary>
    public bool Validate(ReadOnlySpan<byte> chunk, bool final)
    {
        if (_pendingLength > 0)
        {
            // Complete the code point that straddled the previous chunk.
            Span<byte> sequence = stackalloc byte[4];
            for (var i = 0; i < _pendingLength; i++) sequence[i] = (byte)(_pending >> (8 * i));
            var needed = SequenceLength(sequence[0]);
            var take = Math.Min(needed - _pendingLength, chunk.Length);
            chunk[..take].CopyTo(sequence[_pendingLength..]);
            var have = _pendingLength + take;
            var status = Rune.DecodeFromUtf8(sequence[..have], out _, out var consumed);
            if (status == System.Buffers.OperationStatus.InvalidData) return false;
            if (status == System.Buffers.OperationStatus.NeedMoreData)
            {
                if (final) return false;
                Remember(sequence[..have]);
                return true;
            }
            chunk = chunk[(consumed - _pendingLength)..];
            _pendingLength = 0;
        }

        var complete = chunk.Length - IncompleteTail(chunk);
        if (!Utf8.IsValid(chunk[..complete])) return false;
        var tail = chunk[complete..];
        if (tail.IsEmpty) return true;
        if (final) return false;
        // An incomplete sequence may already be invalid (an overlong or surrogate prefix): fail on it now.
        if (Rune.DecodeFromUtf8(tail, out _, out _) == System.Buffers.OperationStatus.InvalidData) return false;
        Remember(tail);
        return true;
    }

    /// <summary>Clears the state for the next message.</summary>
    public void Reset() => _pendingLength = 0;

    private void Remember(ReadOnlySpan<byte> bytes)
    {
        _pending = 0;
        for (var i = 0; i < bytes.Length; i++) _pending |= (uint)bytes[i] << (8 * i);
        _pendingLength = bytes.Length;
    }

    /// <summary>How many bytes at the end start a code point that needs more bytes than the chunk has (0 to 3).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> chunk)
    {
        for (var back = 1; back <= 3 && back <= chunk.Length; back++)
        {
            var b = chunk[^back];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: look further back for the lead byte
            return SequenceLength(b) > back ? back : 0;
        }
        return 0;
    }

    // The length a lead byte announces; an invalid lead counts as 1, so that IsValid reports it.
    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xC2 and < 0xE0 => 2,
        >= 0xE0 and < 0xF0 => 3,
        >= 0xF0 and < 0xF5 => 4,
        _ => 1,
    };
}
