using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>A broken promise of the reader's contract, found by the driver (not an assertion of a test's expectations).</summary>
internal sealed class ReaderContractException(string message) : Exception(message);

/// <summary>How the driver reads: the reader's buffer size, whether whole messages are taken without a copy, the destination size.</summary>
/// <param name="BufferSize">The reader's buffer size (0: its minimum).</param>
/// <param name="TakeWhole">Whether <see cref="FrameReader.TryTakeWholeMessage"/> is tried first, as for a whole-message handler.</param>
/// <param name="DestinationSize">The size of the memory each <see cref="FrameReader.ReadPayloadAsync"/> reads into.</param>
internal sealed record DriveMode(int BufferSize, bool TakeWhole, int DestinationSize)
{
    /// <summary>A whole-message handler: messages that arrived whole are taken in place, the rest is read into a large buffer.</summary>
    public static readonly DriveMode Whole = new(0, true, 4096);

    /// <summary>A streaming handler with a small buffer of its own and a larger reader buffer.</summary>
    public static readonly DriveMode Streamed = new(4096, false, 5);

    public static readonly DriveMode[] Both = [Whole, Streamed];

    public override string ToString() => $"buffer {BufferSize}, {(TakeWhole ? "whole" : "streamed")}, destination {DestinationSize}";
}

/// <summary>What came out of a reader driven to the end of its input.</summary>
internal sealed record DriveResult(List<string> Events, ReadSignal Signal, FrameReader Reader, RecordingSink Sink, ChunkedStream Stream)
{
    public int? PeerCloseStatus => (int?)Reader.PeerCloseStatus;

    public int FailureStatus => (int)Reader.FailureStatus;
}

/// <summary>
/// Drives a <see cref="FrameReader"/> the way the receive loop does: a zero-byte wait when it is idle, then
/// <see cref="FrameReader.NextMessageAsync"/>, then the message whole or piece by piece, until a signal other than Data.
/// The test streams complete every read at once, so every call must complete synchronously: the whole run stays on the
/// test's thread (which lets the fuzz test measure its allocations).
/// </summary>
internal static class ReaderDriver
{
    public static FrameReader CreateReader(Stream stream, IControlFrameSink sink, int bufferSize, bool deflate)
        => new(stream, bufferSize, sink, deflate ? new MessageInflater() : null);

    /// <summary>Reads the whole input from <paramref name="stream"/> and returns the messages and control frames in the order they completed.</summary>
    public static DriveResult Run(ChunkedStream stream, DriveMode mode, bool deflate = false)
    {
        var events = new List<string>();
        var sink = new RecordingSink(events);
        var reader = CreateReader(stream, sink, mode.BufferSize, deflate);
        var signal = Drive(reader, mode, events, maxSteps: 10_000_000);
        return new DriveResult(events, signal, reader, sink, stream);
    }

    /// <summary>
    /// The receive loop: every message is read to its end; text is checked as UTF-8 the way the loop checks it (a message
    /// that is not is described with "!utf8"). <paramref name="events"/> null: payloads are only counted, not kept.
    /// </summary>
    public static ReadSignal Drive(FrameReader reader, DriveMode mode, List<string>? events, long maxSteps)
    {
        var destination = new byte[mode.DestinationSize];
        var message = events is null ? null : new MemoryStream();
        long steps = 0;
        while (true)
        {
            if (++steps > maxSteps) throw new ReaderContractException("The reader made no progress (too many steps)");
            if (reader.IsIdle) Sync(reader.WaitForInputAsync());
            var signal = Sync(reader.NextMessageAsync());
            if (signal == ReadSignal.Idle)
            {
                if (!reader.IsIdle) throw new ReaderContractException("NextMessageAsync returned Idle with input buffered");
                continue;
            }
            if (signal != ReadSignal.Data) return signal;
            if (!reader.InMessage) throw new ReaderContractException("NextMessageAsync returned Data without a message");
            var type = reader.MessageType;
            if (mode.TakeWhole && reader.TryTakeWholeMessage(out var whole))
            {
                if (reader.InMessage) throw new ReaderContractException("A message taken whole is still in progress");
                var valid = type != WebSocketMessageType.Text || Utf8.IsValid(whole.Span);
                events?.Add(Received.Message(type, whole.Span) + (valid ? "" : " !utf8"));
                continue;
            }
            message?.SetLength(0);
            var utf8 = default(Utf8Validator);
            var utf8Valid = true;
            while (true)
            {
                if (++steps > maxSteps) throw new ReaderContractException("The reader made no progress (too many steps)");
                var read = Sync(reader.ReadPayloadAsync(destination));
                if (read.Signal != ReadSignal.Data) return read.Signal;
                if (read.Count < 0 || read.Count > destination.Length) throw new ReaderContractException($"ReadPayloadAsync returned {read.Count} bytes for {destination.Length}");
                if (read.Count == 0 && !read.EndOfMessage) throw new ReaderContractException("ReadPayloadAsync returned no bytes and did not end the message");
                if (type == WebSocketMessageType.Text && utf8Valid) utf8Valid = utf8.Validate(destination.AsSpan(0, read.Count), read.EndOfMessage);
                message?.Write(destination, 0, read.Count);
                if (read.EndOfMessage) break;
            }
            if (reader.InMessage) throw new ReaderContractException("The message ended but the reader is still in it");
            if (message is not null) events!.Add(Received.Message(type, message.GetBuffer().AsSpan(0, (int)message.Length)) + (utf8Valid ? "" : " !utf8"));
        }
    }

    /// <summary>The value of a call on a stream that never waits: it must have completed.</summary>
    public static T Sync<T>(ValueTask<T> task)
    {
        if (!task.IsCompleted) throw new ReaderContractException("The reader waited although every read completes at once");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The ways to cut an input into two reads: every offset for inputs up to 16 KiB; for larger ones every offset in
    /// the first 600 bytes (past the reader's smallest buffer), the last 300, within 64 bytes of a frame boundary, and
    /// every 509th elsewhere (all offsets of a 64 KiB payload would take seconds and exercise nothing more).
    /// </summary>
    public static IEnumerable<int> SplitOffsets(int length, IEnumerable<int> frameStarts)
    {
        if (length <= 16 * 1024)
        {
            for (var i = 0; i <= length; i++) yield return i;
            yield break;
        }
        var offsets = new SortedSet<int>();
        for (var i = 0; i <= Math.Min(600, length); i++) offsets.Add(i);
        for (var i = Math.Max(0, length - 300); i <= length; i++) offsets.Add(i);
        foreach (var start in frameStarts)
        {
            for (var i = Math.Max(0, start - 64); i <= Math.Min(length, start + 64); i++) offsets.Add(i);
        }
        for (var i = 0; i <= length; i += 509) offsets.Add(i);
        foreach (var offset in offsets) yield return offset;
    }

    /// <summary>
    /// Runs <paramref name="check"/> on the outcome of reading <paramref name="input"/> one byte at a time, in one read,
    /// and in two reads split at every offset (<see cref="SplitOffsets"/>, or the given <paramref name="offsets"/>), each
    /// in every <see cref="DriveMode"/>; a failure names the way it was read.
    /// </summary>
    public static void EveryWay(byte[] input, Action<DriveResult> check, bool deflate = false, IEnumerable<int>? frameStarts = null, IEnumerable<int>? offsets = null)
    {
        foreach (var mode in DriveMode.Both)
        {
            Check("one byte per read", ChunkedStream.OneByteAtATime(input));
            foreach (var offset in offsets ?? SplitOffsets(input.Length, frameStarts ?? []))
            {
                Check($"split at {offset}", ChunkedStream.SplitAt(input, offset));
            }

            void Check(string how, ChunkedStream stream)
            {
                DriveResult result;
                try
                {
                    result = Run(stream, mode, deflate);
                }
                catch (Exception exception)
                {
                    throw new Xunit.Sdk.XunitException($"Reading {input.Length} bytes {how} ({mode}) threw: {exception}");
                }
                try
                {
                    check(result);
                }
                catch (Exception exception)
                {
                    throw new Xunit.Sdk.XunitException($"Reading {input.Length} bytes {how} ({mode}): {exception.Message}");
                }
                finally
                {
                    result.Reader.Dispose();
                }
            }
        }
    }
}

/// <summary>One frame of a test input, described so that what a reader should deliver can be worked out from it.</summary>
internal sealed record TestFrame(byte Opcode, byte[] Payload, bool Fin = true, LengthEncoding Length = LengthEncoding.Minimal, byte[]? Mask = null)
{
    public byte[] Encode() => ClientFrame.Encode(Opcode, Payload, Fin, mask: Mask, length: Length);

    public static TestFrame Text(string text, bool fin = true) => new(Frame.Text, Encoding.UTF8.GetBytes(text), fin);

    public static TestFrame Binary(byte[] data, bool fin = true) => new(Frame.Binary, data, fin);

    public static TestFrame Continuation(byte[] data, bool fin) => new(Frame.Continuation, data, fin);

    public static TestFrame Continuation(string text, bool fin) => new(Frame.Continuation, Encoding.UTF8.GetBytes(text), fin);

    public static TestFrame Ping(string payload = "") => new(Frame.Ping, Encoding.UTF8.GetBytes(payload));

    public static TestFrame Pong(string payload = "") => new(Frame.Pong, Encoding.UTF8.GetBytes(payload));

    public static TestFrame Close(int? status, string reason = "") => new(Frame.Close, ClientFrame.ClosePayload(status, Encoding.UTF8.GetBytes(reason)));
}

/// <summary>A valid frame sequence and what reading it must give: the events in order, then the final signal.</summary>
internal sealed class FrameSequence
{
    public FrameSequence(IReadOnlyList<TestFrame> frames)
    {
        Frames = frames;
        var parts = frames.Select(f => f.Encode()).ToArray();
        Bytes = ClientFrame.Concat(parts);
        var starts = new List<int>();
        var position = 0;
        foreach (var part in parts)
        {
            starts.Add(position);
            position += part.Length;
        }
        FrameStarts = starts;
        FrameEnds = starts.Zip(parts, (s, p) => s + p.Length).ToList();
        (Events, Signal, CloseStatus) = Expect(frames.Count);
    }

    public IReadOnlyList<TestFrame> Frames { get; }

    public byte[] Bytes { get; }

    public IReadOnlyList<int> FrameStarts { get; }

    public IReadOnlyList<int> FrameEnds { get; }

    public List<string> Events { get; }

    public ReadSignal Signal { get; }

    public int? CloseStatus { get; }

    /// <summary>What reading the first <paramref name="frameCount"/> frames whole gives, if the input ends after them.</summary>
    public (List<string> Events, ReadSignal Signal, int? CloseStatus) Expect(int frameCount)
    {
        var events = new List<string>();
        var message = new List<byte>();
        var type = WebSocketMessageType.Binary;
        foreach (var frame in Frames.Take(frameCount))
        {
            switch (frame.Opcode)
            {
                case Frame.Ping:
                    events.Add(Received.Describe("Ping", frame.Payload));
                    break;
                case Frame.Pong:
                    events.Add(Received.Describe("Pong", frame.Payload));
                    break;
                case Frame.Close:
                    return (events, ReadSignal.PeerClosed, frame.Payload.Length >= 2 ? frame.Payload[0] << 8 | frame.Payload[1] : null);
                default:
                    if (frame.Opcode != Frame.Continuation)
                    {
                        type = frame.Opcode == Frame.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                        message.Clear();
                    }
                    message.AddRange(frame.Payload);
                    if (frame.Fin) events.Add(Received.Message(type, message.ToArray()));
                    break;
            }
        }
        return (events, ReadSignal.Ended, null);
    }
}
