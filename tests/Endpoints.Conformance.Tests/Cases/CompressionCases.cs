namespace Endpoints.Conformance.Tests.Cases;

/// <summary>
/// Autobahn's permessage-deflate cases (case12_x_x.py), run against the compressed server only. Each sends messages of one
/// size, compressed by the client (auto-fragmented when Autobahn does), one at a time once the last came back, and expects
/// every echo (inflated with the agreed context rules) to equal what was sent.
/// <list type="bullet">
/// <item>12.x: Autobahn's default offer with its five kinds of data (generated here, see <see cref="CompressionData"/>).</item>
/// <item>13.1-13.7: Autobahn's offers with its JSON data. 13.3 and 13.5 ask for server_max_window_bits=9, which the
/// server may decline (its DeflateStream cannot keep to a smaller window): declining is UNIMPLEMENTED, as in Autobahn.</item>
/// <item>13.8-13.12, beyond Autobahn: the bare offer, client_max_window_bits=9 (the client then deflates with a 512-byte
/// window) and =15, server_no_context_takeover alone (the client keeps its context), and one combination.</item>
/// </list>
/// Autobahn sends 1000 messages per case; here a case sends at most 100, about 1 MiB at most in all, to keep the run short.
/// </summary>
public static class CompressionCases
{
    /// <summary>Autobahn's (payload length, auto-fragment size) table: 18 cases per data set or offer.</summary>
    private static readonly (int Length, int AutoFragment)[] s_sizes =
    [
        (16, 0), (64, 0), (256, 0), (1024, 0), (4096, 0), (8192, 0), (16384, 0), (32768, 0), (65536, 0), (131072, 0),
        (8192, 256), (16384, 256), (32768, 256), (65536, 256), (131072, 256), (131072, 1024), (131072, 4096), (131072, 32768),
    ];

    private const string AutobahnDefault = "permessage-deflate; client_no_context_takeover; client_max_window_bits";

    private static readonly (string Offer, bool MayDecline, string What)[] s_offers =
    [
        (AutobahnDefault, false, "Autobahn's default offer"),
        (AutobahnDefault + "; server_no_context_takeover", false, "server_no_context_takeover"),
        (AutobahnDefault + "; server_max_window_bits=9", true, "server_max_window_bits=9 (may be declined)"),
        (AutobahnDefault + "; server_max_window_bits=15", false, "server_max_window_bits=15"),
        (AutobahnDefault + "; server_no_context_takeover; server_max_window_bits=9", true, "server_no_context_takeover, server_max_window_bits=9 (may be declined)"),
        (AutobahnDefault + "; server_no_context_takeover; server_max_window_bits=15", false, "server_no_context_takeover, server_max_window_bits=15"),
        ($"{AutobahnDefault}; server_no_context_takeover; server_max_window_bits=9, {AutobahnDefault}; server_no_context_takeover, {AutobahnDefault}",
            false, "three offers: (server_no_context_takeover, server_max_window_bits=9), (server_no_context_takeover), default"),
        ("permessage-deflate", false, "the bare offer (both sides keep context)"),
        ("permessage-deflate; client_max_window_bits=9", false, "client_max_window_bits=9 (the client deflates with a 9-bit window)"),
        ("permessage-deflate; client_max_window_bits=15", false, "client_max_window_bits=15"),
        ("permessage-deflate; server_no_context_takeover", false, "server_no_context_takeover alone (the client keeps context)"),
        ("permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits=9; server_max_window_bits=15",
            false, "no context takeover both ways, client_max_window_bits=9, server_max_window_bits=15"),
    ];

    public static IEnumerable<ConformanceCase> All()
    {
        var set = 1;
        foreach (var data in new[] { "json_data1", "lena512", "gutenberg_faust", "html_data1", "ooms" })
        {
            for (var i = 0; i < s_sizes.Length; i++) yield return Case($"12.{set}.{i + 1}", data, AutobahnDefault, false, "Autobahn's default offer", s_sizes[i]);
            set++;
        }
        for (var j = 0; j < s_offers.Length; j++)
        {
            var (offer, mayDecline, what) = s_offers[j];
            for (var i = 0; i < s_sizes.Length; i++) yield return Case($"13.{j + 1}.{i + 1}", "json_data1", offer, mayDecline, what, s_sizes[i]);
        }
    }

    /// <summary>How many messages a case sends: Autobahn's 1000, cut to about 1 MiB of payload (at least 8, at most 100).</summary>
    public static int MessageCount(int length) => Math.Clamp((1 << 20) / length, 8, 100);

    private static ConformanceCase Case(string id, string dataKey, string offer, bool mayDecline, string what, (int Length, int AutoFragment) size)
    {
        var (length, autoFragment) = size;
        var count = MessageCount(length);
        return new ConformanceCase
        {
            Id = id,
            Description = $"{count} compressed {dataKey} messages of {length} {(dataKey is "json_data1" or "html_data1" ? "characters" : "octets")}, " +
                          $"auto-fragmented to {autoFragment} octets; offer: {what} (Sec-WebSocket-Extensions: {offer})",
            ExtensionOffer = offer,
            Servers = ServerKinds.Compressed,
            ClosedByMe = true,
            CloseCodes = [1000],
            Expected = [(Verdict.Ok, Array.Empty<Event>())],
            ScriptTimeout = TimeSpan.FromSeconds(60),
            Script = async c =>
            {
                if (c.Deflate is null)
                {
                    // Declined: the case ends with a normal close.
                    if (mayDecline) c.BehaviorOverride = Verdict.Unimplemented;
                    else c.ScriptFailure = $"The server declined permessage-deflate ({offer}), an offer it can accept (it keeps to 15-bit windows).";
                    return;
                }
                var data = CompressionData.Get(dataKey);
                var messages = data.Messages(length, count);
                var expected = messages.Select(m => Event.Message(data.Binary, m)).ToArray();
                c.Expected = [(Verdict.Ok, expected)];
                for (var k = 0; k < messages.Count; k++)
                {
                    await c.SendCompressed(data.Binary, messages[k], autoFragment);
                    if (!await c.WaitForEvents(k + 1, CaseRunner.MaxWait) || !c.EventAt(k)!.Matches(expected[k])) return;
                }
            },
        };
    }
}
