using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;
using Endpoints.Conformance.Tests.Infrastructure;

namespace Endpoints.Conformance.Tests.Cases;

public sealed record CaseResult(string Name, Verdict Verdict, string Detail, TimeSpan Duration)
{
    /// <summary>What the summary adds to the case's line (permessage-deflate: what was agreed, how many replies came compressed).</summary>
    public string Note { get; init; } = "";
}

/// <summary>
/// Runs one case the way Autobahn's fuzzing client does and judges it: the events against the expected lists
/// (<c>behavior</c>), then the close (<c>behaviorClose</c>) with the strict checks: the server's close frame carries an
/// allowed code and is valid, it comes promptly, nothing follows it, and the server ends TCP promptly once both close
/// frames have been exchanged. The case's verdict is the worse of the two.
/// </summary>
public static class CaseRunner
{
    /// <summary>Beyond this, a close or the TCP end is late: NON-STRICT (Autobahn waits 1 s; the machine is shared).</summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    /// <summary>The longest any single wait of a case lasts.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    public static async Task<CaseResult> RunAsync(ConformanceCase @case, EchoServer server)
    {
        var name = $"{@case.Id} {server.Name}";
        var started = Stopwatch.GetTimestamp();
        if (!server.IsRunning) return new CaseResult(name, Verdict.Failed, "The Echo server is not running any more:\n" + server.RecentOutput, TimeSpan.Zero);

        CaseContext context;
        try
        {
            using var connect = new CancellationTokenSource(MaxWait * 2);
            context = await CaseContext.OpenAsync(@case, server.Port, connect.Token);
        }
        catch (Exception exception) when (exception is HandshakeException or SocketException or IOException or OperationCanceledException)
        {
            return new CaseResult(name, Verdict.Failed, "Opening handshake: " + exception.Message, Stopwatch.GetElapsedTime(started));
        }

        await using (context)
        {
            string? scriptError = null;
            try
            {
                await @case.Script(context).WaitAsync(@case.ScriptTimeout);
                await context.FlushAsync();
            }
            catch (TimeoutException)
            {
                scriptError = $"The case did not finish within {@case.ScriptTimeout.TotalSeconds:0} s.";
            }
            var scriptEnd = context.Now;

            // closedByMe: once the events match (or cannot match any more), the client starts the closing handshake.
            if (@case.ClosedByMe && !@case.SuppressClose && !context.CloseSent)
            {
                await context.WaitUntilAsync(() => Progress(context) != Match.Pending || context.CloseFrame is not null || context.End is not null, MaxWait);
                if (!context.ServerClosing) await context.SendClose(1000, flush: true);
            }
            await context.WaitForServerClose(MaxWait);

            // The server's close is answered (Autobahn replies 1000), unless the client's own is already out.
            if (context.CloseFrame is not null && !context.CloseSent && context.End is null) await context.SendClose(1000, flush: true);
            await context.WaitUntilAsync(() => context.End is not null, MaxWait);
            if (context.End is null) await context.DropAsync();

            var (verdict, detail) = Judge(@case, context, scriptError, scriptEnd);
            // Where the time went: the server's close frame (after the script's last write) and its TCP end (after both closes).
            var note = Timings(context, scriptEnd) + (context.Note is { } scriptNote ? "; " + scriptNote : "");
            if (@case.ExtensionOffer is { } offer)
            {
                note += context.Deflate is { } agreed
                    ? $"; agreed \"{agreed}\", client window {DeflateAgreement.ClientWindowBits(offer, agreed)} bits, {context.CompressedMessagesReceived}/{context.Received.Count(e => e.Kind == "message")} replies compressed"
                    : "; declined";
            }
            return new CaseResult(name, verdict, detail, Stopwatch.GetElapsedTime(started)) { Note = note };
        }
    }

    private enum Match { Matched, Pending, Diverged }

    /// <summary>Whether the events so far equal an expected list, may still become one, or cannot.</summary>
    private static Match Progress(CaseContext context)
    {
        var received = context.Received;
        var pending = false;
        foreach (var (_, events) in context.Expected)
        {
            if (received.Count > events.Count) continue;
            var prefix = true;
            for (var i = 0; i < received.Count && prefix; i++) prefix = received[i].Matches(events[i]);
            if (!prefix) continue;
            if (received.Count == events.Count) return Match.Matched;
            pending = true;
        }
        return pending ? Match.Pending : Match.Diverged;
    }

    private static (Verdict, string) Judge(ConformanceCase @case, CaseContext context, string? scriptError, TimeSpan scriptEnd)
    {
        var findings = new List<(Verdict Verdict, string Text)>();
        void Find(Verdict verdict, string text) => findings.Add((verdict, text));

        // behavior: the events.
        var received = context.Received;
        if (context.BehaviorOverride is { } fixedVerdict)
        {
            Find(fixedVerdict, fixedVerdict == Verdict.Unimplemented ? $"The server declined the offer ({context.Socket.ResponseHead.Split("\r\n")[0]}, no Sec-WebSocket-Extensions)." : "");
        }
        else
        {
            var match = context.Expected.FirstOrDefault(e => e.Events.Count == received.Count && e.Events.Zip(received).All(p => p.First.Matches(p.Second)));
            if (match.Events is null)
            {
                Find(Verdict.Failed, $"Events differ from any expected. {FirstDifference(received, context.Expected[0].Events)} Got {Describe(received)}; expected {string.Join(" or ", context.Expected.Select(e => $"{e.Verdict.Name()}: {Describe(e.Events)}"))}.");
            }
            else if (match.Verdict != Verdict.Ok)
            {
                Find(match.Verdict, $"Got {Describe(received)}; the strict outcome is {Describe(context.Expected[0].Events)}.");
            }
        }
        if (context.ScriptFailure is { } failure) Find(Verdict.Failed, failure);
        if (scriptError is not null) Find(Verdict.Failed, scriptError);
        if (context.Violation is { } violation) Find(Verdict.Failed, "Server protocol violation: " + violation);

        // behaviorClose: the close frame, its timing, what follows it, the TCP end.
        var close = context.CloseFrame;
        var expectedCodes = string.Join("/", @case.CloseCodes);
        if (close is null)
        {
            Find(Verdict.Failed, context.End switch
            {
                TcpEnd.Reset => $"The server reset the TCP connection without a close frame (expected close {expectedCodes}).",
                TcpEnd.Fin => $"The server ended the TCP connection without a close frame (expected close {expectedCodes}).",
                _ => $"No close frame within {MaxWait.TotalSeconds:0} s (expected close {expectedCodes}).",
            });
        }
        else
        {
            var code = context.ServerCloseCode;
            var reason = close.Payload.Length > 2 ? close.Payload[2..] : [];
            if (close.Payload.Length == 1) Find(Verdict.Failed, "The server's close frame has a 1-byte payload.");
            else if (code is { } c && !IsSendableCloseCode(c)) Find(Verdict.Failed, $"The server sent close code {c}, which may not be sent.");
            else if (!Utf8.IsValid(reason)) Find(Verdict.Failed, "The server's close reason is not UTF-8.");
            if (code is null && close.Payload.Length == 0 && !@case.AllowEmptyClose) Find(Verdict.Failed, $"The server's close frame has no code (expected {expectedCodes}).");
            if (code is { } got && !@case.CloseCodes.Contains(got)) Find(Verdict.Failed, $"Wrong close code {got} (expected {expectedCodes}){ReasonText(reason)}.");

            var closeAt = context.CloseReceivedAt!.Value;
            if (@case.ClosedByMe)
            {
                if (!context.CloseSent || context.CloseSentAt > closeAt)
                {
                    Find(Verdict.Failed, $"The server closed the connection itself (code {code?.ToString() ?? "none"}{ReasonText(reason)}); it should have answered the client's close.");
                }
                else if (closeAt - context.CloseSentAt!.Value > Prompt)
                {
                    Find(Verdict.NonStrict, $"The server answered the client's close after {Seconds(closeAt - context.CloseSentAt.Value)}.");
                }
            }
            else
            {
                if (context.CloseSent && context.CloseSentAt < closeAt) Find(Verdict.Failed, "The client had to close first: the server did not fail the connection.");
                else if (closeAt - scriptEnd > Prompt) Find(Verdict.NonStrict, $"The server failed the connection late: {Seconds(closeAt - scriptEnd)} after the last frame was sent.");
            }

            var after = context.AfterClose;
            if (after.Count > 0) Find(Verdict.Failed, $"After its close frame the server sent {string.Join(", ", after.Take(5))}{(after.Count > 5 ? $" (+{after.Count - 5} more)" : "")}.");

            // The closing handshake is complete once both close frames are out; then the server drops TCP.
            var handshakeDone = context.CloseSent && context.CloseSentAt > closeAt ? context.CloseSentAt.Value : closeAt;
            if (context.End is null or TcpEnd.DroppedByClient)
            {
                Find(Verdict.NonStrict, $"The server kept the TCP connection open more than {MaxWait.TotalSeconds:0} s after the closing handshake.");
            }
            else if (context.EndAt!.Value - handshakeDone > Prompt)
            {
                Find(Verdict.NonStrict, $"The server ended TCP {Seconds(context.EndAt.Value - handshakeDone)} after the closing handshake.");
            }
        }

        var verdict = findings.Count == 0 ? Verdict.Ok : findings.Max(f => f.Verdict);
        if (@case.Informational && verdict != Verdict.Ok) verdict = Verdict.Informational;
        var detail = string.Join(" ", findings.Where(f => f.Text.Length > 0).Select(f => $"[{f.Verdict.Name()}] {f.Text}"));
        if (verdict != Verdict.Ok) detail += $" (sent: {@case.Description})";
        return (verdict, detail.Trim());
    }

    private static string Timings(CaseContext context, TimeSpan scriptEnd)
    {
        if (context.CloseReceivedAt is not { } closeAt) return "no close";
        var since = context.CloseSent && context.CloseSentAt < closeAt ? context.CloseSentAt!.Value : scriptEnd;
        var text = $"close {Math.Max(0, (closeAt - since).TotalMilliseconds):0} ms";
        var handshakeDone = context.CloseSent && context.CloseSentAt > closeAt ? context.CloseSentAt!.Value : closeAt;
        return context.End is TcpEnd.Fin or TcpEnd.Reset
            ? text + $", TCP end {Math.Max(0, (context.EndAt!.Value - handshakeDone).TotalMilliseconds):0} ms ({context.End})"
            : text + ", TCP not ended";
    }

    /// <summary>Codes an endpoint may put in a close frame (RFC 6455 7.4, and the IANA registry's 1012-1014).</summary>
    public static bool IsSendableCloseCode(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    private static string ReasonText(byte[] reason) => reason.Length == 0 ? "" : $", reason \"{Encoding.UTF8.GetString(reason)}\"";

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:0.00} s";

    private static string FirstDifference(IReadOnlyList<Event> received, IReadOnlyList<Event> expected)
    {
        for (var i = 0; i < Math.Max(received.Count, expected.Count); i++)
        {
            if (i >= received.Count) return $"Event #{i + 1} missing: expected {expected[i]}.";
            if (i >= expected.Count) return $"Unexpected event #{i + 1}: {received[i]}.";
            if (!received[i].Matches(expected[i])) return $"Event #{i + 1} is {received[i]}, expected {expected[i]}.";
        }
        return "";
    }

    private static string Describe(IReadOnlyList<Event> events)
    {
        if (events.Count == 0) return "[]";
        if (events.Count <= 4) return "[" + string.Join(", ", events) + "]";
        return $"[{events.Count} events: {string.Join(", ", events.Take(3))}, … {events[^1]}]";
    }
}
