using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>
/// Deterministic fuzzing of the frame reader: seeded random valid frame sequences (some compressed), mutated (bits
/// flipped, cut short, bytes inserted or deleted, lengths changed or made huge, frames duplicated), fed in random
/// pieces. Whatever the input, every outcome is a signal (nothing is thrown), no buffer is sized from a declared length,
/// and a protocol error carries 1002, 1007 or 1009. Unmutated inputs must give exactly the generated messages.
/// Bounded in time: a slow machine runs fewer cases, never a longer test.
/// </summary>
public sealed class FrameReaderFuzzTests(ITestOutputHelper output)
{
    // A case allocates about 11 KB at most (the driver's destination, a DeflateStream): a buffer sized from any declared
    // length worth declaring would go far past this.
    private const long AllocationLimit = 256 * 1024;

    private static readonly string[] s_words = ["a", "Hello", " ", "€", "😀", "κόσμε", "é", "\u0800", "\uFFFD", "\U0010FFFF", "0123456789", "\n"];

    private static readonly int[] s_validStatuses = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];

    private sealed record Generated(byte[] Bytes, List<(int Start, int End)> Frames, List<string> Events, ReadSignal Signal, bool Deflate);

    private static int Length(Random random) => random.Next(100) switch
    {
        < 60 => random.Next(0, 20),
        < 85 => random.Next(20, 126),
        < 97 => random.Next(126, 1200),
        _ => random.Next(65530, 70000),
    };

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Utf8Text(Random random, int length)
    {
        var text = new StringBuilder();
        for (var bytes = 0; bytes < length;)
        {
            var word = s_words[random.Next(s_words.Length)];
            text.Append(word);
            bytes += Encoding.UTF8.GetByteCount(word);
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] Mask(Random random) => random.Next(8) == 0 ? [0, 0, 0, 0] : Bytes(random, 4);

    private static Generated Generate(Random random)
    {
        var deflate = random.Next(4) == 0;
        using var deflater = deflate ? new ClientDeflater() : null;
        var parts = new List<byte[]>();
        var events = new List<string>();
        var signal = ReadSignal.Ended;

        void Control(byte opcode)
        {
            var payload = Bytes(random, random.Next(10) == 0 ? 125 : random.Next(0, 12));
            parts.Add(ClientFrame.Encode(opcode, payload, mask: Mask(random)));
            events.Add(Received.Describe(opcode == Frame.Ping ? "Ping" : "Pong", payload));
        }

        var count = random.Next(1, 7);
        for (var i = 0; i < count; i++)
        {
            if (random.Next(3) == 0)
            {
                Control(random.Next(2) == 0 ? Frame.Ping : Frame.Pong);
                continue;
            }
            var text = random.Next(2) == 0;
            var message = text ? Utf8Text(random, Length(random)) : Bytes(random, Length(random));
            var compressed = deflater is not null && random.Next(3) != 0;
            var payload = compressed ? deflater!.Compress(message) : message;
            var fragments = random.Next(3) == 0 ? random.Next(2, 5) : 1;
            var cuts = Enumerable.Range(0, fragments - 1).Select(_ => random.Next(payload.Length + 1)).Order().Prepend(0).Append(payload.Length).ToArray();
            for (var f = 0; f < fragments; f++)
            {
                if (f > 0 && random.Next(3) == 0) Control(random.Next(2) == 0 ? Frame.Ping : Frame.Pong);
                parts.Add(ClientFrame.Encode(f == 0 ? (text ? Frame.Text : Frame.Binary) : Frame.Continuation, payload.AsSpan(cuts[f], cuts[f + 1] - cuts[f]),
                    fin: f == fragments - 1, rsv1: compressed && f == 0, mask: Mask(random)));
            }
            events.Add(Received.Describe(text ? "Text" : "Binary", message));
        }
        if (random.Next(4) == 0)
        {
            var status = s_validStatuses[random.Next(s_validStatuses.Length)];
            parts.Add(ClientFrame.Encode(Frame.Close, ClientFrame.ClosePayload(status, Utf8Text(random, random.Next(0, 20))), mask: Mask(random)));
            signal = ReadSignal.PeerClosed;
            if (random.Next(2) == 0) parts.Add(ClientFrame.Text("after the close"));
        }
        var frames = new List<(int, int)>();
        var position = 0;
        foreach (var part in parts)
        {
            frames.Add((position, position + part.Length));
            position += part.Length;
        }
        return new Generated(ClientFrame.Concat(parts.ToArray()), frames, events, signal, deflate);
    }

    private static byte[] Mutate(byte[] input, List<(int Start, int End)> frames, Random random, int mutations, List<string> applied)
    {
        var bytes = new List<byte>(input);
        for (var m = 0; m < mutations; m++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            var frame = frames[random.Next(frames.Count)];
            switch (random.Next(9))
            {
                case 0 when bytes.Count > 0:
                    var bit = random.Next(8);
                    bytes[at] ^= (byte)(1 << bit);
                    applied.Add($"flip bit {bit} of byte {at}");
                    break;
                case 1:
                    var keep = random.Next(bytes.Count + 1);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    applied.Add($"truncate to {keep}");
                    break;
                case 2:
                    var inserted = Bytes(random, random.Next(1, 9));
                    bytes.InsertRange(Math.Min(at, bytes.Count), inserted);
                    applied.Add($"insert {Convert.ToHexString(inserted)} at {at}");
                    break;
                case 3 when bytes.Count > 0:
                    var deleted = Math.Min(random.Next(1, 9), bytes.Count - at);
                    bytes.RemoveRange(at, deleted);
                    applied.Add($"delete {deleted} at {at}");
                    break;
                case 4 when frame.Start + 1 < bytes.Count:
                    // A frame's 7-bit length code: to a boundary value or anything.
                    int[] codes = [0, 1, 2, 125, 126, 127, random.Next(128)];
                    var code = codes[random.Next(codes.Length)];
                    bytes[frame.Start + 1] = (byte)((bytes[frame.Start + 1] & 0x80) | code);
                    applied.Add($"length code {code} at {frame.Start + 1}");
                    break;
                case 5:
                    // A frame that declares far more than follows, up to 2^62 (or with the top bit set).
                    ulong[] declared = [1UL << random.Next(16, 41), 1UL << random.Next(41, 63), (1UL << 63) | (ulong)random.NextInt64(), (ulong)random.Next(126, 65536)];
                    byte[] opcodes = [Frame.Text, Frame.Binary, Frame.Continuation, Frame.Ping, (byte)random.Next(16)];
                    var length = declared[random.Next(declared.Length)];
                    var opcode = opcodes[random.Next(opcodes.Length)];
                    var huge = ClientFrame.Encode(opcode, Bytes(random, random.Next(0, 40)), fin: random.Next(4) != 0, declaredLength: length,
                        length: length <= ushort.MaxValue ? LengthEncoding.Bits16 : LengthEncoding.Bits64);
                    var where = Math.Min(frame.Start, bytes.Count);
                    bytes.InsertRange(where, huge);
                    applied.Add($"frame of opcode {opcode:X} declaring {length} at {where}");
                    break;
                case 6 when frame.End <= bytes.Count:
                    var copy = bytes.GetRange(frame.Start, frame.End - frame.Start);
                    bytes.InsertRange(frame.End, copy);
                    applied.Add($"duplicate frame {frame.Start}..{frame.End}");
                    break;
                case 7 when frame.Start < bytes.Count:
                    var newOpcode = random.Next(16);
                    bytes[frame.Start] = (byte)((bytes[frame.Start] & 0xF0) | newOpcode);
                    applied.Add($"opcode {newOpcode:X} at {frame.Start}");
                    break;
                case 8 when frame.Start < bytes.Count:
                    var bits = (byte)(random.Next(1, 16) << 4);
                    bytes[frame.Start] ^= bits;
                    applied.Add($"FIN/RSV bits ^{bits:X2} at {frame.Start}");
                    break;
                default:
                    m--;
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static ChunkedStream Pieces(byte[] input, Random random, out string how)
    {
        if (random.Next(5) == 0)
        {
            how = "one byte per read";
            return ChunkedStream.OneByteAtATime(input);
        }
        var cuts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(input.Length + 1)).ToArray();
        how = $"cut at [{string.Join(", ", cuts.Order())}]";
        return ChunkedStream.SplitAt(input, cuts);
    }

    private static DriveMode Mode(Random random, bool deflate)
    {
        int[] buffers = [0, 64, 300, 4096];
        int[] destinations = deflate ? [7, 100, 4096] : [1, 7, 100, 4096];
        return new DriveMode(buffers[random.Next(buffers.Length)], random.Next(2) == 0, destinations[random.Next(destinations.Length)]);
    }

    /// <summary>
    /// Reads like the receive loop, then, after a protocol error, like the close handshake: the reader is told to discard,
    /// and unless the offending frame was the peer's close, the bad frame is skipped and the input drained to the peer's
    /// close. A further protocol error is treated the same way (the close handshake stops there), to read as much of the
    /// input as can be read as frames; each one consumes input, so there are fewer than its bytes. Once discarding, no
    /// ping or pong may reach the sink.
    /// </summary>
    private static string? ReadAndDrain(FrameReader reader, CountingSink sink, DriveMode mode, int inputLength, out ReadSignal signal)
    {
        const long maxSteps = 5_000_000;
        signal = ReaderDriver.Drive(reader, mode, null, maxSteps);
        var current = signal;
        if (current != ReadSignal.ProtocolError) return Ended(reader, current);
        reader.StartDiscarding();
        var delivered = sink.Pings + sink.Pongs;
        var scratch = new byte[512];
        for (var errors = 0; current == ReadSignal.ProtocolError; errors++)
        {
            var status = (int)reader.FailureStatus;
            if (status is not (1002 or 1007 or 1009)) return $"protocol error with status {status} ({reader.FailureDescription})";
            if (errors > inputLength) return "more protocol errors than input bytes";
            if (reader.PeerSentClose || !ReaderDriver.Sync(reader.SkipBadFrameAsync())) break;
            current = ReadSignal.Data;
            if (reader.InMessage) current = ReaderDriver.Sync(reader.SkipMessageAsync(scratch)).Signal;
            for (long steps = 0; current == ReadSignal.Data; steps++)
            {
                if (steps > maxSteps) return "the drain made no progress";
                if (reader.IsIdle) ReaderDriver.Sync(reader.WaitForInputAsync());
                current = ReaderDriver.Sync(reader.NextMessageAsync());
                if (current == ReadSignal.Idle)
                {
                    current = ReadSignal.Data;
                    continue;
                }
                if (current != ReadSignal.Data) break;
                current = ReaderDriver.Sync(reader.SkipMessageAsync(scratch)).Signal;
            }
        }
        if (sink.Pings + sink.Pongs != delivered) return $"{sink.Pings + sink.Pongs - delivered} control frames delivered after a protocol error";
        return Ended(reader, current);
    }

    private static string? Ended(FrameReader reader, ReadSignal signal)
    {
        if (signal == ReadSignal.PeerClosed && reader.PeerCloseStatus is { } closed && !Frame.IsValidCloseStatus((int)closed)) return $"peer closed with invalid status {(int)closed}";
        if (signal is not (ReadSignal.PeerClosed or ReadSignal.Ended or ReadSignal.ProtocolError)) return $"ended with {signal}";
        return null;
    }

    [Fact]
    public void MutatedFrameSequencesNeverThrowNeverAllocateByDeclaredLengthAndFailOnlyWith1002Or1007Or1009()
    {
        var budget = Stopwatch.StartNew();
        var failures = new List<string>();
        var cases = 0;
        var outcomes = new Dictionary<ReadSignal, int>();
        long mostAllocated = 0;
        var statuses = new SortedDictionary<int, int>();
        for (var seed = 1; cases < 15_000 && budget.Elapsed < TimeSpan.FromSeconds(10); seed++, cases++)
        {
            var random = new Random(seed);
            var generated = Generate(random);
            var applied = new List<string>();
            var input = Mutate(generated.Bytes, generated.Frames, random, random.Next(1, 4), applied);
            var stream = Pieces(input, random, out var how);
            var mode = Mode(random, generated.Deflate);
            var sink = new CountingSink();
            using var reader = ReaderDriver.CreateReader(stream, sink, mode.BufferSize, generated.Deflate);
            var limited = random.Next(3) == 0;
            if (limited)
            {
                // As the receive loop sets them: a message declared longer is refused from its header (1009).
                reader.TextMessageLimit = random.Next(0, 3000);
                reader.BinaryMessageLimit = random.Next(0, 3000);
            }
            string? failure;
            var signal = ReadSignal.Data;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                failure = ReadAndDrain(reader, sink, mode, input.Length, out signal);
            }
            catch (Exception exception)
            {
                failure = "threw " + exception.GetType().Name + ": " + exception.Message + " " + exception.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            mostAllocated = Math.Max(mostAllocated, allocated);
            if (allocated > AllocationLimit) failure = (failure is null ? "" : failure + "; ") + $"allocated {allocated:N0} bytes";
            outcomes[signal] = outcomes.GetValueOrDefault(signal) + 1;
            if (signal == ReadSignal.ProtocolError) statuses[(int)reader.FailureStatus] = statuses.GetValueOrDefault((int)reader.FailureStatus) + 1;
            if (failure is not null)
            {
                var limits = limited ? $", limits {reader.TextMessageLimit}/{reader.BinaryMessageLimit}" : "";
                failures.Add($"seed {seed} ({input.Length} bytes, {how}, {mode}, deflate {generated.Deflate}{limits}; {string.Join("; ", applied)}): {failure}");
            }
        }
        output.WriteLine($"{cases} cases in {budget.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))} (first failures: {string.Join(", ", statuses.Select(st => $"{st.Key} {st.Value}"))}); at most {mostAllocated:N0} bytes allocated by one case");
        Assert.True(cases >= 200, $"only {cases} cases ran");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public void ValidRandomSequencesInRandomPiecesGiveExactlyTheGeneratedMessages()
    {
        var budget = Stopwatch.StartNew();
        var failures = new List<string>();
        var cases = 0;
        for (var seed = 100_001; cases < 4000 && budget.Elapsed < TimeSpan.FromSeconds(6); seed++, cases++)
        {
            var random = new Random(seed);
            var generated = Generate(random);
            var stream = Pieces(generated.Bytes, random, out var how);
            var mode = Mode(random, generated.Deflate);
            var events = new List<string>();
            using var reader = ReaderDriver.CreateReader(stream, new RecordingSink(events), mode.BufferSize, generated.Deflate);
            try
            {
                var signal = ReaderDriver.Drive(reader, mode, events, 5_000_000);
                if (signal != generated.Signal) failures.Add($"seed {seed} ({how}, {mode}): ended with {signal} ({reader.FailureDescription}), not {generated.Signal}");
                else if (!events.SequenceEqual(generated.Events)) failures.Add($"seed {seed} ({how}, {mode}): got [{string.Join(", ", events)}], expected [{string.Join(", ", generated.Events)}]");
            }
            catch (Exception exception)
            {
                failures.Add($"seed {seed} ({how}, {mode}): threw {exception}");
            }
        }
        output.WriteLine($"{cases} cases in {budget.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(10)));
    }
}
