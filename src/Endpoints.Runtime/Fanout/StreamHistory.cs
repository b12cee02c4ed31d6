using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// One stream of a resumable endpoint on this server (a group, a user, a session, or all): its epoch, the offset of its
/// last message, and the messages kept to replay. Everything happens under <see cref="Gate"/>, and so does the delivery
/// of each new message: a connection subscribing under the same lock gets the replay and then the live messages, in
/// order, with none twice and none missed.
/// </summary>
internal sealed class StreamHistory(string name, DateTimeOffset now)
{
    private readonly Queue<KeptMessage> _kept = new();

    public object Gate { get; } = new();

    /// <summary>The stream's name on the wire: <c>a</c>, <c>g:group</c>, <c>u:user</c>, <c>s:session</c>.</summary>
    public string Name { get; } = name;

    /// <summary>This life of the stream: a new one means what came before is gone.</summary>
    public string Epoch { get; private set; } = NewEpoch();

    /// <summary>The offset of the last message (0 before the first); offsets go up by one.</summary>
    public long LastOffset { get; private set; }

    /// <summary>
    /// Continues a stream another server wrote (a session resumed here): its epoch, and numbers after both the last it
    /// kept and the last the client has (which may be later, when the other server died before its writes arrived).
    /// Called under the lock, before anything is appended here.
    /// </summary>
    public void Continue(string epoch, long lastOffset)
    {
        if (epoch != Epoch || lastOffset > LastOffset)
        {
            // Numbered elsewhere since (or another life of the stream): what this server kept is not the history now.
            _kept.Clear();
            if (epoch != Epoch) LastOffset = 0;
        }
        Epoch = epoch;
        LastOffset = Math.Max(LastOffset, lastOffset);
        TrimmedUpTo = Math.Max(TrimmedUpTo, LastOffset);
    }

    /// <summary>The offset of the last message dropped from the history (by count or age), or not kept here; 0 when none was.</summary>
    public long TrimmedUpTo { get; private set; }

    public DateTimeOffset LastUsed { get; private set; } = now;

    /// <summary>Set under the lock when the stream is dropped from its server's table: a publisher holding it looks it up again.</summary>
    public bool Evicted { get; set; }

    public int Count => _kept.Count;

    /// <summary>The offset of the oldest kept message; one past the last when none is kept.</summary>
    public long FirstKeptOffset => _kept.Count > 0 ? _kept.Peek().Offset : LastOffset + 1;

    /// <summary>The header of a message of this stream at <paramref name="offset"/> of <paramref name="epoch"/>.</summary>
    public static byte[] Header(string stream, string epoch, long offset)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + stream.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("s"u8, stream);
            writer.WriteString("e"u8, epoch);
            writer.WriteNumber("o"u8, offset);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Someone subscribed or left: the stream is kept for the history's age from now.</summary>
    public void Touch(DateTimeOffset now) => LastUsed = now;

    /// <summary>Numbers and keeps a message (its bytes copied: the sender may reuse its buffer); called under the lock.</summary>
    public KeptMessage Append(WebSocketMessage message, IReadOnlyCollection<string> except, DateTimeOffset now, int maxMessages, TimeSpan maxAge)
    {
        var offset = ++LastOffset;
        LastUsed = now;
        var owned = message.Text is not null ? message
            : message.MessageType == WebSocketMessageType.Binary ? WebSocketMessage.FromBinary(message.Binary.ToArray())
            : WebSocketMessage.FromUtf8Text(message.Utf8Text.ToArray());
        var kept = new KeptMessage(offset, now, owned, Header(offset), except.Count == 0 ? [] : except.ToArray());
        _kept.Enqueue(kept);
        Trim(now, maxMessages, maxAge);
        return kept;
    }

    /// <summary>Drops what is over the count or older than the age; called under the lock.</summary>
    public void Trim(DateTimeOffset now, int maxMessages, TimeSpan maxAge)
    {
        while (_kept.Count > 0 && (_kept.Count > maxMessages || now - _kept.Peek().At > maxAge)) TrimmedUpTo = _kept.Dequeue().Offset;
    }

    /// <summary>The kept messages after <paramref name="offset"/>, oldest first; called under the lock.</summary>
    public IEnumerable<KeptMessage> After(long offset) => _kept.Where(kept => kept.Offset > offset);

    /// <summary>The header of the message at <paramref name="offset"/>: <c>{"s":…,"e":…,"o":…}</c> and the line feed.</summary>
    public byte[] Header(long offset) => Header(Name, Epoch, offset);

    private static string NewEpoch()
    {
        Span<byte> random = stackalloc byte[6];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random).Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>A kept message: its offset, when it was sent, the message, its header, and the connections it was not for.</summary>
internal sealed record KeptMessage(long Offset, DateTimeOffset At, WebSocketMessage Message, byte[] Header, string[] Except);

/// <summary>A position a client presents: the epoch and offset of the last message it has of a stream.</summary>
internal readonly record struct StreamPosition(string Epoch, long Offset);
