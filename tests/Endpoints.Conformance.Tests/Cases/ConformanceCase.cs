using System.Security.Cryptography;
using System.Text;
using Endpoints.Conformance.Tests.Infrastructure;

namespace Endpoints.Conformance.Tests.Cases;

/// <summary>Autobahn's verdicts, least to most severe. A case fails its test on <see cref="NonStrict"/> and <see cref="Failed"/>.</summary>
public enum Verdict
{
    Ok,
    /// <summary>Autobahn reports these without judging (7.1.6, 7.13.x): the spec leaves the outcome open.</summary>
    Informational,
    /// <summary>The server declined a permessage-deflate offer it may decline (a window smaller than it can keep to).</summary>
    Unimplemented,
    NonStrict,
    Failed,
}

public static class VerdictText
{
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Ok => "OK",
        Verdict.Informational => "INFORMATIONAL",
        Verdict.Unimplemented => "UNIMPLEMENTED",
        Verdict.NonStrict => "NON-STRICT",
        _ => "FAILED",
    };

    public static bool FailsTheTest(this Verdict verdict) => verdict is Verdict.NonStrict or Verdict.Failed;
}

/// <summary>
/// What the client saw, in order, as Autobahn records it: whole messages (inflated when compressed), pings and pongs,
/// and the case's own markers (6.4.x: "timeout A" means the server was still open after the first wait).
/// </summary>
public sealed record Event(string Kind, bool Binary, byte[] Payload)
{
    public static Event Text(string text) => new("message", false, Encoding.UTF8.GetBytes(text));
    public static Event Text(byte[] utf8) => new("message", false, utf8);
    public static Event BinaryMessage(byte[] data) => new("message", true, data);
    public static Event Message(bool binary, byte[] data) => new("message", binary, data);
    public static Event Pong(byte[] payload) => new("pong", false, payload);
    public static Event Pong(string payload) => new("pong", false, Encoding.UTF8.GetBytes(payload));
    public static Event Ping(byte[] payload) => new("ping", false, payload);
    public static Event Mark(string name) => new("timeout", false, Encoding.ASCII.GetBytes(name));

    public bool Matches(Event other) => Kind == other.Kind && Binary == other.Binary && Payload.AsSpan().SequenceEqual(other.Payload);

    public override string ToString()
    {
        if (Kind == "timeout") return $"timeout {Encoding.ASCII.GetString(Payload)}";
        var kind = Kind == "message" ? (Binary ? "binary" : "text") : Kind;
        if (Payload.Length <= 40)
        {
            var printable = !Binary && Payload.All(b => b is >= 0x20 and < 0x7F);
            return $"{kind}[{Payload.Length}] {(printable ? "\"" + Encoding.ASCII.GetString(Payload) + "\"" : Convert.ToHexString(Payload))}";
        }
        return $"{kind}[{Payload.Length}] sha1 {Convert.ToHexString(SHA1.HashData(Payload))[..12]}";
    }
}

/// <summary>Which Echo server a case runs against.</summary>
[Flags]
public enum ServerKinds
{
    Plain = 1,
    Compressed = 2,
    Both = Plain | Compressed,
}

/// <summary>
/// One Autobahn case: what to send (<see cref="Script"/>), the event lists that make each verdict
/// (<see cref="Expected"/>, Autobahn's <c>expected</c>), and the close behaviour (<c>expectedClose</c>): who starts the
/// closing handshake, with which codes the server may close, and whether the client sends its close itself in the script
/// (<see cref="SuppressClose"/>) instead of once the events match.
/// </summary>
public sealed class ConformanceCase
{
    public required string Id { get; init; }
    public required string Description { get; init; }
    public required Func<CaseContext, Task> Script { get; init; }

    /// <summary>Verdict → the exact events that earn it; checked in order (OK first).</summary>
    public List<(Verdict Verdict, IReadOnlyList<Event> Events)> Expected { get; init; } = [];

    /// <summary>True: the client starts the closing handshake (a normal close); false: the server must fail the connection.</summary>
    public required bool ClosedByMe { get; init; }

    /// <summary>The codes the server's close frame may carry.</summary>
    public required ushort[] CloseCodes { get; init; }

    /// <summary>A close frame without a code is also right (the answer to a client close that had none, 7.3.1).</summary>
    public bool AllowEmptyClose { get; init; }

    /// <summary>The script sends the close frame itself (or a bad one); the runner sends none on a match.</summary>
    public bool SuppressClose { get; init; }

    /// <summary>Autobahn judges nothing here (7.1.6, 7.13.x): anything not OK is reported as INFORMATIONAL.</summary>
    public bool Informational { get; init; }

    /// <summary>The Sec-WebSocket-Extensions offer, for the permessage-deflate cases.</summary>
    public string? ExtensionOffer { get; init; }

    public ServerKinds Servers { get; init; } = ServerKinds.Both;

    /// <summary>How long the script may take at most (large payloads, 1000 round trips).</summary>
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public static ConformanceCase Echo(string id, string description, Func<CaseContext, Task> script, params Event[] expected) => new()
    {
        Id = id,
        Description = description,
        Script = script,
        Expected = [(Verdict.Ok, expected)],
        ClosedByMe = true,
        CloseCodes = [1000],
    };

    public static ConformanceCase Fail(string id, string description, ushort code, Func<CaseContext, Task> script, Event[]? ok = null, Event[]? nonStrict = null)
    {
        var expected = new List<(Verdict, IReadOnlyList<Event>)> { (Verdict.Ok, ok ?? []) };
        if (nonStrict is not null) expected.Add((Verdict.NonStrict, nonStrict));
        return new ConformanceCase
        {
            Id = id,
            Description = description,
            Script = script,
            Expected = expected,
            ClosedByMe = false,
            CloseCodes = [code],
        };
    }
}
