using System.Text;
using System.Text.Unicode;
using static Endpoints.Conformance.Tests.Infrastructure.Opcode;

namespace Endpoints.Conformance.Tests.Cases;

/// <summary>
/// Autobahn TestSuite's cases 1.* to 9.* (crossbario/autobahn-testsuite, autobahntestsuite/case/*.py), each with what it
/// sends and Autobahn's expectations. Where this suite differs from Autobahn it says so on the case:
/// <list type="bullet">
/// <item>Messages above the sample's 1 MiB MaxMessageSize (9.1.4-6, 9.2.4-6, 9.3.*, 9.4.*) must be refused with a clean
/// close 1009 (Autobahn expects an echo, having no limit).</item>
/// <item>3.6 sends the ping its description names (Autobahn's code sends a binary frame).</item>
/// <item>7.13.x (Autobahn: INFORMATIONAL): OK when the server closes with 1000, the code itself or 1002.</item>
/// </list>
/// </summary>
public static class AutobahnCases
{
    /// <summary>The sample's MaxMessageSize (the default, 1 MiB).</summary>
    public const int MaxMessageSize = 1024 * 1024;

    private static readonly byte[] s_kosme = [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5];
    // κόσμε, then a UTF-16 surrogate (invalid exactly at byte 12), then "edited" (6.3.x, 7.5.1).
    private static readonly byte[] s_invalidUtf8 = [.. s_kosme, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64];

    public static IEnumerable<ConformanceCase> All() =>
        Framing().Concat(PingsAndPongs()).Concat(ReservedBits()).Concat(Opcodes()).Concat(Fragmentation())
            .Concat(Utf8Handling()).Concat(CloseHandling()).Concat(LimitsAndPerformance());

    private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Repeat(byte[] pattern, int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++) payload[i] = pattern[i % pattern.Length];
        return payload;
    }

    private static byte[] Fill(byte value, int length)
    {
        var payload = new byte[length];
        Array.Fill(payload, value);
        return payload;
    }

    // ---------------------------------------------------------------- 1 Framing

    private static IEnumerable<ConformanceCase> Framing()
    {
        (int Case, int Length, int Chop)[] sizes = [(1, 0, 0), (2, 125, 0), (3, 126, 0), (4, 127, 0), (5, 128, 0), (6, 65535, 0), (7, 65536, 0), (8, 65536, 997)];
        foreach (var (n, length, chop) in sizes)
        {
            var chopped = chop > 0 ? $", sent in chops of {chop} octets" : "";
            var text = Fill((byte)'*', length);
            yield return ConformanceCase.Echo($"1.1.{n}", $"text message of {length} octets{chopped}",
                c => c.SendFrame(Text, text, chop: chop), Event.Text(text));
        }
        foreach (var (n, length, chop) in sizes)
        {
            var chopped = chop > 0 ? $", sent in chops of {chop} octets" : "";
            var data = Fill(0xfe, length);
            yield return ConformanceCase.Echo($"1.2.{n}", $"binary message of {length} octets{chopped}",
                c => c.SendFrame(Binary, data, chop: chop), Event.BinaryMessage(data));
        }
    }

    // ---------------------------------------------------------------- 2 Pings/Pongs

    private static IEnumerable<ConformanceCase> PingsAndPongs()
    {
        yield return ConformanceCase.Echo("2.1", "ping without payload", c => c.SendFrame(Ping), Event.Pong([]));
        yield return ConformanceCase.Echo("2.2", "ping with small text payload", c => c.SendFrame(Ping, U("Hello, world!")), Event.Pong("Hello, world!"));
        byte[] binary = [0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff];
        yield return ConformanceCase.Echo("2.3", "ping with small binary (non UTF-8) payload", c => c.SendFrame(Ping, binary), Event.Pong(binary));
        var max = Fill(0xfe, 125);
        yield return ConformanceCase.Echo("2.4", "ping with binary payload of 125 octets", c => c.SendFrame(Ping, max), Event.Pong(max));
        yield return ConformanceCase.Fail("2.5", "ping with binary payload of 126 octets (control frames carry at most 125)", 1002,
            c => c.SendFrame(Ping, Fill(0xfe, 126)));
        yield return ConformanceCase.Echo("2.6", "ping with 125 octets, sent in octet-wise chops", c => c.SendFrame(Ping, max, chop: 1), Event.Pong(max));
        yield return ConformanceCase.Echo("2.7", "unsolicited pong without payload, then close: nothing in reply",
            async c =>
            {
                await c.SendFrame(Pong);
                await c.SendClose(1000);
            });
        yield return ConformanceCase.Echo("2.8", "unsolicited pong with payload, then close: nothing in reply",
            async c =>
            {
                await c.SendFrame(Pong, U("unsolicited pong payload"));
                await c.SendClose(1000);
            });
        yield return ConformanceCase.Echo("2.9", "unsolicited pong with payload, then ping with payload: only the ping's pong",
            async c =>
            {
                await c.SendFrame(Pong, U("unsolicited pong payload"));
                await c.SendFrame(Ping, U("ping payload"));
            }, Event.Pong("ping payload"));
        var pongs = Enumerable.Range(0, 10).Select(i => Event.Pong($"payload-{i}")).ToArray();
        yield return ConformanceCase.Echo("2.10", "10 pings with payload: a pong for each",
            async c =>
            {
                for (var i = 0; i < 10; i++) await c.SendFrame(Ping, U($"payload-{i}"));
            }, pongs);
        yield return ConformanceCase.Echo("2.11", "10 pings with payload, sent in octet-wise chops: a pong for each",
            async c =>
            {
                for (var i = 0; i < 10; i++) await c.SendFrame(Ping, U($"payload-{i}"), chop: 1);
            }, pongs);
    }

    // ---------------------------------------------------------------- 3 Reserved bits

    private static IEnumerable<ConformanceCase> ReservedBits()
    {
        var hello = U("Hello, world!");
        var echo = new[] { Event.Text(hello) };
        yield return ConformanceCase.Fail("3.1", "small text message with RSV = 1", 1002, c => c.SendFrame(Text, hello, rsv: 1));
        yield return ConformanceCase.Fail("3.2", "text message, then again with RSV = 2, then ping: echo of the first, no pong", 1002,
            async c =>
            {
                await c.SendFrame(Text, hello);
                await c.SendFrame(Text, hello, rsv: 2);
                await c.SendFrame(Ping);
            }, ok: echo, nonStrict: []);
        yield return ConformanceCase.Fail("3.3", "as 3.2 with RSV = 3, frames sent in frame-wise chops", 1002,
            async c =>
            {
                await c.SendFrame(Text, hello, sync: true);
                await c.SendFrame(Text, hello, rsv: 3, sync: true);
                await c.SendFrame(Ping, sync: true);
            }, ok: echo, nonStrict: []);
        yield return ConformanceCase.Fail("3.4", "as 3.2 with RSV = 4, octet-wise chops", 1002,
            async c =>
            {
                await c.SendFrame(Text, hello, chop: 1);
                await c.SendFrame(Text, hello, rsv: 4, chop: 1);
                await c.SendFrame(Ping, chop: 1);
            }, ok: echo, nonStrict: []);
        yield return ConformanceCase.Fail("3.5", "small binary message with RSV = 5", 1002,
            c => c.SendFrame(Binary, [0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff], rsv: 5));
        yield return ConformanceCase.Fail("3.6", "ping with RSV = 6", 1002, c => c.SendFrame(Ping, hello, rsv: 6));
        yield return ConformanceCase.Fail("3.7", "close with RSV = 7", 1002, c => c.SendFrame(Close, rsv: 7));
    }

    // ---------------------------------------------------------------- 4 Opcodes

    private static IEnumerable<ConformanceCase> Opcodes()
    {
        var hello = U("Hello, world!");
        var echo = new[] { Event.Text(hello) };
        var reserved = U("reserved opcode payload");
        foreach (var (group, first) in new[] { (1, 3), (2, 11) })
        {
            var kind = group == 1 ? "non-control" : "control";
            yield return ConformanceCase.Fail($"4.{group}.1", $"frame with reserved {kind} opcode {first}", 1002, c => c.SendFrame((byte)first));
            yield return ConformanceCase.Fail($"4.{group}.2", $"frame with reserved {kind} opcode {first + 1} and a payload", 1002,
                c => c.SendFrame((byte)(first + 1), reserved));
            yield return ConformanceCase.Fail($"4.{group}.3", $"text message, then reserved {kind} opcode {first + 2}, then ping", 1002,
                async c =>
                {
                    await c.SendFrame(Text, hello);
                    await c.SendFrame((byte)(first + 2));
                    await c.SendFrame(Ping);
                }, ok: echo, nonStrict: []);
            yield return ConformanceCase.Fail($"4.{group}.4", $"text message, then reserved {kind} opcode {first + 3} with a payload, then ping", 1002,
                async c =>
                {
                    await c.SendFrame(Text, hello);
                    await c.SendFrame((byte)(first + 3), hello);
                    await c.SendFrame(Ping);
                }, ok: echo, nonStrict: []);
            yield return ConformanceCase.Fail($"4.{group}.5", $"text message, then reserved {kind} opcode {first + 4} with a payload, then ping, octet-wise chops", 1002,
                async c =>
                {
                    await c.SendFrame(Text, hello, chop: 1);
                    await c.SendFrame((byte)(first + 4), hello, chop: 1);
                    await c.SendFrame(Ping, chop: 1);
                }, ok: echo, nonStrict: []);
        }
    }

    // ---------------------------------------------------------------- 5 Fragmentation

    private static IEnumerable<ConformanceCase> Fragmentation()
    {
        var f1 = U("fragment1");
        var f2 = U("fragment2");
        yield return ConformanceCase.Fail("5.1", "ping fragmented into 2 fragments", 1002,
            async c =>
            {
                await c.SendFrame(Ping, f1, fin: false);
                await c.SendFrame(Continuation, f2);
            });
        yield return ConformanceCase.Fail("5.2", "pong fragmented into 2 fragments", 1002,
            async c =>
            {
                await c.SendFrame(Pong, f1, fin: false);
                await c.SendFrame(Continuation, f2);
            });

        var joined = Event.Text("fragment1fragment2");
        foreach (var (n, how, chop, sync) in new[] { (3, "", 0, false), (4, ", frame-wise chops", 0, true), (5, ", octet-wise chops", 1, false) })
        {
            yield return ConformanceCase.Echo($"5.{n}", $"text message in 2 fragments{how}",
                async c =>
                {
                    await c.SendFrame(Text, f1, fin: false, chop: chop, sync: sync);
                    await c.SendFrame(Continuation, f2, chop: chop, sync: sync);
                }, joined);
        }
        var pingPayload = U("ping payload");
        foreach (var (n, how, chop, sync) in new[] { (6, "", 0, false), (7, ", frame-wise chops", 0, true), (8, ", octet-wise chops", 1, false) })
        {
            yield return ConformanceCase.Echo($"5.{n}", $"text message in 2 fragments, a ping in between{how}",
                async c =>
                {
                    await c.SendFrame(Text, f1, fin: false, chop: chop, sync: sync);
                    await c.SendFrame(Ping, pingPayload, chop: chop, sync: sync);
                    await c.SendFrame(Continuation, f2, chop: chop, sync: sync);
                }, Event.Pong(pingPayload), joined);
        }
        var nonContinuation = U("non-continuation payload");
        var hello = U("Hello, world!");
        foreach (var (n, fin, how, chop, sync) in new[]
        {
            (9, true, "one chop", 0, false), (10, true, "frame-wise chops", 0, true), (11, true, "octet-wise chops", 1, false),
            (12, false, "one chop", 0, false), (13, false, "frame-wise chops", 0, true), (14, false, "octet-wise chops", 1, false),
        })
        {
            yield return ConformanceCase.Fail($"5.{n}", $"continuation frame with FIN = {fin.ToString().ToLowerInvariant()} and nothing to continue, then a text message, {how}", 1002,
                async c =>
                {
                    await c.SendFrame(Continuation, nonContinuation, fin: fin, chop: chop, sync: sync);
                    await c.SendFrame(Text, hello, chop: chop, sync: sync);
                });
        }
        yield return ConformanceCase.Fail("5.15", "text message in 2 fragments, then a continuation with FIN = false and nothing to continue, then a text message", 1002,
            async c =>
            {
                await c.SendFrame(Text, f1, fin: false);
                await c.SendFrame(Continuation, f2);
                await c.SendFrame(Continuation, U("fragment3"), fin: false);
                await c.SendFrame(Text, U("fragment4"));
            }, ok: [joined], nonStrict: []);
        foreach (var (n, fin) in new[] { (16, false), (17, true) })
        {
            yield return ConformanceCase.Fail($"5.{n}", $"twice: continuation with FIN = {fin.ToString().ToLowerInvariant()} and nothing to continue, then a text message in 2 fragments", 1002,
                async c =>
                {
                    for (var i = 0; i < 2; i++)
                    {
                        await c.SendFrame(Continuation, f1, fin: fin);
                        await c.SendFrame(Text, f2, fin: false);
                        await c.SendFrame(Continuation, U("fragment3"));
                    }
                });
        }
        yield return ConformanceCase.Fail("5.18", "text message in 2 fragments, both with opcode text", 1002,
            async c =>
            {
                await c.SendFrame(Text, f1, fin: false);
                await c.SendFrame(Text, f2);
            });
        foreach (var (n, sync) in new[] { (19, false), (20, true) })
        {
            yield return ConformanceCase.Echo($"5.{n}", $"text message in 5 fragments with 2 pings in between and a wait{(sync ? ", frame-wise chops" : "")}",
                async c =>
                {
                    await c.SendFrame(Text, f1, fin: false, sync: sync);
                    await c.SendFrame(Continuation, f2, fin: false, sync: sync);
                    await c.SendFrame(Ping, U("pongme 1!"), sync: sync);
                    await c.Pause(TimeSpan.FromSeconds(0.5));
                    await c.SendFrame(Continuation, U("fragment3"), fin: false, sync: sync);
                    await c.SendFrame(Continuation, U("fragment4"), fin: false, sync: sync);
                    await c.SendFrame(Ping, U("pongme 2!"), sync: sync);
                    await c.SendFrame(Continuation, U("fragment5"), sync: sync);
                }, Event.Pong("pongme 1!"), Event.Pong("pongme 2!"), Event.Text("fragment1fragment2fragment3fragment4fragment5"));
        }
    }

    // ---------------------------------------------------------------- 6 UTF-8 handling

    private static IEnumerable<ConformanceCase> Utf8Handling()
    {
        yield return ConformanceCase.Echo("6.1.1", "text message of length 0", c => c.SendFrame(Text, []), Event.Text(""));
        yield return ConformanceCase.Echo("6.1.2", "text message in 3 fragments, each of length 0",
            async c =>
            {
                await c.SendFrame(Text, [], fin: false);
                await c.SendFrame(Continuation, [], fin: false);
                await c.SendFrame(Continuation, []);
            }, Event.Text(""));
        yield return ConformanceCase.Echo("6.1.3", "text message in 3 fragments, first and last of length 0",
            async c =>
            {
                await c.SendFrame(Text, [], fin: false);
                await c.SendFrame(Continuation, U("middle frame payload"), fin: false);
                await c.SendFrame(Continuation, []);
            }, Event.Text("middle frame payload"));

        var valid = U("Hello-µ@ßöäüàá-UTF-8!!");
        yield return ConformanceCase.Echo("6.2.1", "valid UTF-8 text message in one fragment", c => c.SendMessage(false, valid), Event.Text(valid));
        yield return ConformanceCase.Echo("6.2.2", "valid UTF-8 text message in 2 fragments, split on a code point boundary",
            async c =>
            {
                await c.SendFrame(Text, U("Hello-µ@ßöä"), fin: false);
                await c.SendFrame(Continuation, U("üàá-UTF-8!!"));
            }, Event.Text(valid));
        yield return ConformanceCase.Echo("6.2.3", "valid UTF-8 text message in fragments of 1 octet", c => c.SendMessage(false, valid, fragmentSize: 1), Event.Text(valid));
        yield return ConformanceCase.Echo("6.2.4", "valid UTF-8 text message (κόσμε) in fragments of 1 octet", c => c.SendMessage(false, s_kosme, fragmentSize: 1), Event.Text(s_kosme));

        yield return ConformanceCase.Fail("6.3.1", "invalid UTF-8 text message, unfragmented", 1007, c => c.SendMessage(false, s_invalidUtf8));
        yield return ConformanceCase.Fail("6.3.2", "invalid UTF-8 text message in fragments of 1 octet", 1007, c => c.SendMessage(false, s_invalidUtf8, fragmentSize: 1));

        // 6.4.x: fail fast. The server must fail right after the part that makes the text invalid ("timeout A" only);
        // failing only once the message is complete ("timeout B" too) is NON-STRICT.
        byte[] part1 = s_kosme, part2 = [0xf4, 0x90, 0x80, 0x80], part3 = U("edited");
        byte[] whole = [.. part1, .. part2, .. part3];
        yield return FailFast("6.4.1", "invalid UTF-8 text in 3 frames: valid, then the invalid code point (0x110000), then the rest; waits in between",
            [part1, part2, part3], framewise: true);
        yield return FailFast("6.4.2", "as 6.4.1, the 2nd frame being only the octet that makes the text invalid",
            [whole[..12], whole[12..13], whole[13..]], framewise: true);
        yield return FailFast("6.4.3", "as 6.4.1, in 3 chops of one frame instead of 3 frames",
            [part1, part2, part3], framewise: false);
        yield return FailFast("6.4.4", "as 6.4.2, in 3 chops of one frame instead of 3 frames",
            [whole[..12], whole[12..13], whole[13..]], framewise: false);

        var category = 5;
        foreach (var (name, payloads) in Utf8Sequences.All)
        {
            var n = 1;
            foreach (var (isValid, payload) in payloads)
            {
                if (isValid != Utf8.IsValid(payload)) throw new InvalidOperationException($"6.{category}.{n}: the table says valid={isValid}, .NET disagrees.");
                var id = $"6.{category}.{n++}";
                var description = $"{name}: text message 0x{Convert.ToHexString(payload)} in one fragment";
                yield return isValid
                    ? ConformanceCase.Echo(id, description, c => c.SendMessage(false, payload), Event.Text(payload))
                    : ConformanceCase.Fail(id, description, 1007, c => c.SendMessage(false, payload));
            }
            category++;
        }
    }

    private static ConformanceCase FailFast(string id, string description, byte[][] parts, bool framewise)
    {
        byte[] whole = [.. parts[0], .. parts[1], .. parts[2]];
        return ConformanceCase.Fail(id, description, 1007,
            async c =>
            {
                // As frames (text, continuation, continuation) or as chops of one frame's bytes (the mask runs on across them).
                byte[][] writes;
                if (framewise)
                {
                    writes =
                    [
                        Infrastructure.ClientFrame.Build(Text, parts[0], fin: false),
                        Infrastructure.ClientFrame.Build(Continuation, parts[1], fin: false),
                        Infrastructure.ClientFrame.Build(Continuation, parts[2]),
                    ];
                }
                else
                {
                    var frame = Infrastructure.ClientFrame.Build(Text, whole);
                    var header = frame.Length - whole.Length;
                    writes = [frame[..(header + parts[0].Length)], frame[(header + parts[0].Length)..(header + parts[0].Length + parts[1].Length)], frame[(header + parts[0].Length + parts[1].Length)..]];
                }
                // Once the server has failed the connection, the client still finishes a frame it has begun before its close
                // reply (frames cannot interleave, RFC 6455 5.4). Autobahn writes its reply into the unfinished frame: the
                // server then takes the close's bytes for the frame's payload, and whether the rest looks like a bad header
                // (prompt end) or an unfinished one (the server waits) depends on the random mask key.
                async Task<bool> FailedAsync(TimeSpan wait, int next)
                {
                    if (!await c.WaitForServerClose(wait)) return false;
                    if (!framewise)
                    {
                        for (var i = next; i < writes.Length; i++) await c.SendRaw(writes[i], sync: true);
                    }
                    return true;
                }

                await c.SendRaw(writes[0], sync: true);
                // Wait A: the first part is valid so far; the server must still be open.
                if (await FailedAsync(TimeSpan.FromSeconds(0.5), 1)) return;
                c.Mark("A");
                var invalidSent = c.Now;
                await c.SendRaw(writes[1], sync: true);
                // Wait B: the server should fail now.
                if (await FailedAsync(CaseRunner.Prompt, 2))
                {
                    c.Note = $"failed {(c.CloseReceivedAt - invalidSent)?.TotalMilliseconds:0} ms after the invalid part was sent";
                    return;
                }
                c.Mark("B");
                await c.SendRaw(writes[2], sync: true);
            },
            ok: [Event.Mark("A")], nonStrict: [Event.Mark("A"), Event.Mark("B")]);
    }

    // ---------------------------------------------------------------- 7 Close handling

    private static IEnumerable<ConformanceCase> CloseHandling()
    {
        var helloWorld = U("Hello World!");
        ConformanceCase Closing(string id, string description, ushort[] codes, Func<CaseContext, Task> script, bool allowEmpty = false) => new()
        {
            Id = id,
            Description = description,
            Script = script,
            Expected = [(Verdict.Ok, Array.Empty<Event>())],
            ClosedByMe = true,
            SuppressClose = true,
            CloseCodes = codes,
            AllowEmptyClose = allowEmpty,
        };

        yield return ConformanceCase.Echo("7.1.1", "text message, then the close: the echo, then a clean close", c => c.SendFrame(Text, helloWorld), Event.Text(helloWorld));
        yield return Closing("7.1.2", "two close frames: the second is ignored", [1000],
            async c =>
            {
                await c.SendClose(1000);
                await c.SendFrame(Infrastructure.Opcode.Close);
            });
        yield return Closing("7.1.3", "a ping after the close: no pong", [1000],
            async c =>
            {
                await c.SendClose(1000);
                await c.SendFrame(Ping);
            });
        yield return Closing("7.1.4", "a text message after the close: ignored", [1000],
            async c =>
            {
                await c.SendClose(1000);
                await c.SendFrame(Text, helloWorld);
            });
        yield return Closing("7.1.5", "fragment 1 of a text message, the close, then fragment 2: clean close", [1000],
            async c =>
            {
                await c.SendFrame(Text, U("fragment1"), fin: false);
                await c.SendClose(1000);
                await c.SendFrame(Continuation, U("fragment2"));
            });
        var big = Repeat(U("BAsd7&jh23"), 256 * 1024);
        yield return new ConformanceCase
        {
            Id = "7.1.6",
            Description = "256 KiB text message, a small one, the close, then a ping (Autobahn: INFORMATIONAL)",
            Script = async c =>
            {
                await c.SendFrame(Text, big);
                await c.SendFrame(Text, helloWorld);
                await c.SendClose(1000);
                await c.SendFrame(Ping);
            },
            // Processing the messages before the close is OK; a close that overtakes them (partly) is the other outcome.
            Expected = [(Verdict.Ok, [Event.Text(big), Event.Text(helloWorld)]), (Verdict.Informational, [Event.Text(big)]), (Verdict.Informational, [])],
            ClosedByMe = true,
            SuppressClose = true,
            CloseCodes = [1000],
            Informational = true,
        };

        yield return Closing("7.3.1", "close frame with payload length 0: clean close", [1000], c => c.SendClose(null), allowEmpty: true);
        yield return Closing("7.3.2", "close frame with payload length 1: protocol error", [1002], c => c.SendClose(null, U("a")));
        yield return Closing("7.3.3", "close frame with payload length 2 (a code): clean close", [1000], c => c.SendClose(1000));
        yield return Closing("7.3.4", "close frame with code and reason: clean close", [1000], c => c.SendClose(1000, helloWorld));
        yield return Closing("7.3.5", "close frame with code and a reason of 123 octets: clean close", [1000], c => c.SendClose(1000, Fill((byte)'*', 123)));
        yield return Closing("7.3.6", "close frame with code and a reason of 124 octets (payload 126): protocol error", [1002], c => c.SendClose(1000, Fill((byte)'*', 124)));
        yield return Closing("7.5.1", "close frame with an invalid UTF-8 reason", [1002, 1007], c => c.SendClose(1000, s_invalidUtf8));

        ushort[] validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
        for (var i = 0; i < validCodes.Length; i++)
        {
            var code = validCodes[i];
            yield return Closing($"7.7.{i + 1}", $"close with valid code {code}: clean close with 1000 or the code echoed", [1000, code], c => c.SendClose(code));
        }
        ushort[] invalidCodes = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
        for (var i = 0; i < invalidCodes.Length; i++)
        {
            var code = invalidCodes[i];
            yield return Closing($"7.9.{i + 1}", $"close with invalid code {code}: protocol error", [1002], c => c.SendClose(code));
        }
        foreach (var (n, code) in new[] { (1, (ushort)5000), (2, (ushort)65535) })
        {
            yield return new ConformanceCase
            {
                Id = $"7.13.{n}",
                Description = $"close with code {code} (Autobahn: INFORMATIONAL; OK here with 1000, {code} or 1002)",
                Script = c => c.SendClose(code),
                Expected = [(Verdict.Ok, Array.Empty<Event>())],
                ClosedByMe = true,
                SuppressClose = true,
                CloseCodes = [1000, code, 1002],
                Informational = true,
            };
        }
    }

    // ---------------------------------------------------------------- 9 Limits/Performance

    private static IEnumerable<ConformanceCase> LimitsAndPerformance()
    {
        var timeout = TimeSpan.FromSeconds(60);

        // Echo when within MaxMessageSize; beyond it, the server must refuse the message with a clean close 1009.
        ConformanceCase Limited(string id, string description, int length, Func<byte[]> payload, bool binary, Func<CaseContext, byte[], Task> send)
        {
            if (length <= MaxMessageSize)
            {
                return new ConformanceCase
                {
                    Id = id,
                    Description = description,
                    Script = c =>
                    {
                        var data = payload();
                        c.Expected = [(Verdict.Ok, [Event.Message(binary, data)])];
                        return send(c, data);
                    },
                    ClosedByMe = true,
                    CloseCodes = [1000],
                    ScriptTimeout = timeout,
                };
            }
            return new ConformanceCase
            {
                Id = id,
                Description = description + $" (over the 1 MiB limit: close 1009 expected, not an echo)",
                Script = c => send(c, payload()),
                Expected = [(Verdict.Ok, Array.Empty<Event>())],
                ClosedByMe = false,
                CloseCodes = [1009],
                ScriptTimeout = timeout,
            };
        }

        int[] sizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20];
        for (var i = 0; i < sizes.Length; i++)
        {
            var length = sizes[i];
            yield return Limited($"9.1.{i + 1}", $"text message of {Size(length)}", length, () => Repeat(U("BAsd7&jh23"), length), false, (c, p) => c.SendFrame(Text, p));
        }
        for (var i = 0; i < sizes.Length; i++)
        {
            var length = sizes[i];
            yield return Limited($"9.2.{i + 1}", $"binary message of {Size(length)}", length, () => Repeat([0x00, 0xfe, 0x23, 0xfa, 0xf0], length), true, (c, p) => c.SendFrame(Binary, p));
        }
        int[] fragments = [64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20];
        for (var i = 0; i < fragments.Length; i++)
        {
            var fragment = fragments[i];
            yield return Limited($"9.3.{i + 1}", $"text message of 4 MiB in fragments of {Size(fragment)}", 4 << 20, () => Fill((byte)'*', 4 << 20), false,
                (c, p) => c.SendMessage(false, p, fragment));
        }
        for (var i = 0; i < fragments.Length; i++)
        {
            var fragment = fragments[i];
            yield return Limited($"9.4.{i + 1}", $"binary message of 4 MiB in fragments of {Size(fragment)}", 4 << 20, () => Fill(0xfe, 4 << 20), true,
                (c, p) => c.SendMessage(true, p, fragment));
        }
        int[] chops = [64, 128, 256, 512, 1024, 2048];
        for (var i = 0; i < chops.Length; i++)
        {
            var chop = chops[i];
            yield return Limited($"9.5.{i + 1}", $"text message of 1 MiB sent in chops of {chop} octets", 1 << 20, () => Repeat(U("BAsd7&jh23"), 1 << 20), false,
                (c, p) => c.SendFrame(Text, p, chop: chop));
        }
        for (var i = 0; i < chops.Length; i++)
        {
            var chop = chops[i];
            yield return Limited($"9.6.{i + 1}", $"binary message of 1 MiB sent in chops of {chop} octets", 1 << 20, () => Repeat([0x00, 0xfe, 0x23, 0xfa, 0xf0], 1 << 20), true,
                (c, p) => c.SendFrame(Binary, p, chop: chop));
        }
        int[] roundTrips = [0, 16, 64, 256, 1024, 4096];
        foreach (var (group, binary) in new[] { (7, false), (8, true) })
        {
            for (var i = 0; i < roundTrips.Length; i++)
            {
                var length = roundTrips[i];
                yield return new ConformanceCase
                {
                    Id = $"9.{group}.{i + 1}",
                    Description = $"1000 {(binary ? "binary" : "text")} messages of {length} octets, each sent once the last was echoed",
                    Script = async c =>
                    {
                        var payload = binary ? Fill(0xfe, length) : Fill((byte)'*', length);
                        var echo = Event.Message(binary, payload);
                        c.Expected = [(Verdict.Ok, Enumerable.Repeat(echo, 1000).ToArray())];
                        for (var k = 0; k < 1000; k++)
                        {
                            await c.SendFrame(binary ? Binary : Text, payload);
                            if (!await c.WaitForEvents(k + 1, CaseRunner.MaxWait) || !c.EventAt(k)!.Matches(echo)) return;
                        }
                    },
                    ClosedByMe = true,
                    CloseCodes = [1000],
                    ScriptTimeout = timeout,
                };
            }
        }
    }

    private static string Size(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : bytes >= 1 << 10 ? $"{bytes >> 10} KiB" : $"{bytes} octets";
}
