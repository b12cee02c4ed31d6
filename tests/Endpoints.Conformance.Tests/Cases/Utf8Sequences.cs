using System.Text.Unicode;

namespace Endpoints.Conformance.Tests.Cases;

/// <summary>
/// Autobahn's UTF-8 sequences for cases 6.5.x to 6.23.x (case6_x_x.py, after Markus Kuhn's UTF-8 decoder test): each
/// category in Autobahn's order, each payload with whether it is valid UTF-8.
/// </summary>
public static class Utf8Sequences
{
    public static IReadOnlyList<(string Category, IReadOnlyList<(bool Valid, byte[] Payload)> Payloads)> All { get; } = Build();

    private static byte[] B(params int[] bytes) => bytes.Select(b => (byte)b).ToArray();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static List<(string, IReadOnlyList<(bool, byte[])>)> Build()
    {
        var all = new List<(string, IReadOnlyList<(bool, byte[])>)>();
        void Add(string category, params (bool, byte[])[] payloads) => all.Add((category, payloads));
        var hello = "hello"u8.ToArray();
        var world = "world"u8.ToArray();
        var kosme = B(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5);

        // 1 Some correct UTF-8 text
        Add("Some valid UTF-8 sequences",
            (true, Concat(hello, B(0x24), world)),
            (true, Concat(hello, B(0xC2, 0xA2), world)),
            (true, Concat(hello, B(0xE2, 0x82, 0xAC), world)),
            (true, Concat(hello, B(0xF0, 0xA4, 0xAD, 0xA2), world)),
            (true, kosme));

        // All prefixes of the valid string: valid only where a code point ends.
        Add("All prefixes of a valid UTF-8 string that contains multi-byte code points",
            Enumerable.Range(1, kosme.Length).Select(n => (Utf8.IsValid(kosme.AsSpan(0, n)), kosme[..n])).ToArray());

        // 2.1 First possible sequence of a certain length
        Add("First possible sequence of a certain length",
            (true, B(0x00)), (true, B(0xc2, 0x80)), (true, B(0xe0, 0xa0, 0x80)), (true, B(0xf0, 0x90, 0x80, 0x80)));
        Add("First possible sequence length 5/6 (invalid codepoints)",
            (false, B(0xf8, 0x88, 0x80, 0x80, 0x80)), (false, B(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)));

        // 2.2 Last possible sequence of a certain length
        Add("Last possible sequence of a certain length",
            (true, B(0x7f)), (true, B(0xdf, 0xbf)), (true, B(0xef, 0xbf, 0xbf)), (true, B(0xf4, 0x8f, 0xbf, 0xbf)));
        Add("Last possible sequence length 4/5/6 (invalid codepoints)",
            (false, B(0xf7, 0xbf, 0xbf, 0xbf)), (false, B(0xfb, 0xbf, 0xbf, 0xbf, 0xbf)), (false, B(0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf)));

        // 2.3 Other boundary conditions
        Add("Other boundary conditions",
            (true, B(0xed, 0x9f, 0xbf)), (true, B(0xee, 0x80, 0x80)), (true, B(0xef, 0xbf, 0xbd)), (true, B(0xf4, 0x8f, 0xbf, 0xbf)),
            (false, B(0xf4, 0x90, 0x80, 0x80)));

        // 3.1 Unexpected continuation bytes
        Add("Unexpected continuation bytes",
            (false, B(0x80)), (false, B(0xbf)), (false, B(0x80, 0xbf)), (false, B(0x80, 0xbf, 0x80)), (false, B(0x80, 0xbf, 0x80, 0xbf)),
            (false, B(0x80, 0xbf, 0x80, 0xbf, 0x80)), (false, B(0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf)),
            (false, Enumerable.Range(0x80, 0xbf - 0x80).Select(i => (byte)i).ToArray()));

        // 3.2 Lonely start characters, each followed by a space (Autobahn's ranges end before their upper bound)
        Add("Lonely start characters",
            new[] { (0xc0, 0xdf), (0xe0, 0xef), (0xf0, 0xf7), (0xf8, 0xfb), (0xfc, 0xfd) }
                .Select(r => (false, Enumerable.Range(r.Item1, r.Item2 - r.Item1).SelectMany(i => new[] { (byte)i, (byte)0x20 }).ToArray()))
                .ToArray());

        // 3.3 Sequences with last continuation byte missing
        byte[][] incomplete =
        [
            B(0xc0), B(0xe0, 0x80), B(0xf0, 0x80, 0x80), B(0xf8, 0x80, 0x80, 0x80), B(0xfc, 0x80, 0x80, 0x80, 0x80),
            B(0xdf), B(0xef, 0xbf), B(0xf7, 0xbf, 0xbf), B(0xfb, 0xbf, 0xbf, 0xbf), B(0xfd, 0xbf, 0xbf, 0xbf, 0xbf),
        ];
        Add("Sequences with last continuation byte missing", incomplete.Select(s => (false, s)).ToArray());

        // 3.4 Concatenation of incomplete sequences
        Add("Concatenation of incomplete sequences", (false, Concat(incomplete)));

        // 3.5 Impossible bytes
        Add("Impossible bytes", (false, B(0xfe)), (false, B(0xff)), (false, B(0xfe, 0xfe, 0xff, 0xff)));

        // 4.1 Examples of an overlong ASCII character
        Add("Examples of an overlong ASCII character",
            (false, B(0xc0, 0xaf)), (false, B(0xe0, 0x80, 0xaf)), (false, B(0xf0, 0x80, 0x80, 0xaf)), (false, B(0xf8, 0x80, 0x80, 0x80, 0xaf)),
            (false, B(0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf)));

        // 4.2 Maximum overlong sequences
        Add("Maximum overlong sequences",
            (false, B(0xc1, 0xbf)), (false, B(0xe0, 0x9f, 0xbf)), (false, B(0xf0, 0x8f, 0xbf, 0xbf)), (false, B(0xf8, 0x87, 0xbf, 0xbf, 0xbf)),
            (false, B(0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf)));

        // 4.3 Overlong representation of the NUL character
        Add("Overlong representation of the NUL character",
            (false, B(0xc0, 0x80)), (false, B(0xe0, 0x80, 0x80)), (false, B(0xf0, 0x80, 0x80, 0x80)), (false, B(0xf8, 0x80, 0x80, 0x80, 0x80)),
            (false, B(0xfc, 0x80, 0x80, 0x80, 0x80, 0x80)));

        // 5.1 Single UTF-16 surrogates
        Add("Single UTF-16 surrogates",
            (false, B(0xed, 0xa0, 0x80)), (false, B(0xed, 0xad, 0xbf)), (false, B(0xed, 0xae, 0x80)), (false, B(0xed, 0xaf, 0xbf)),
            (false, B(0xed, 0xb0, 0x80)), (false, B(0xed, 0xbe, 0x80)), (false, B(0xed, 0xbf, 0xbf)));

        // 5.2 Paired UTF-16 surrogates
        Add("Paired UTF-16 surrogates",
            (false, B(0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80)), (false, B(0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf)),
            (false, B(0xed, 0xad, 0xbf, 0xed, 0xb0, 0x80)), (false, B(0xed, 0xad, 0xbf, 0xed, 0xbf, 0xbf)),
            (false, B(0xed, 0xae, 0x80, 0xed, 0xb0, 0x80)), (false, B(0xed, 0xae, 0x80, 0xed, 0xbf, 0xbf)),
            (false, B(0xed, 0xaf, 0xbf, 0xed, 0xb0, 0x80)), (false, B(0xed, 0xaf, 0xbf, 0xed, 0xbf, 0xbf)));

        // 5.3 Non-character code points: valid UTF-8 (RFC 3629)
        var nonCharacters = new List<(bool, byte[])> { (true, B(0xef, 0xbf, 0xbe)), (true, B(0xef, 0xbf, 0xbf)) };
        foreach (var z1 in new[] { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4 })
        {
            foreach (var z2 in new[] { 0x8f, 0x9f, 0xaf, 0xbf })
            {
                if (z1 == 0xf4 && z2 != 0x8f) continue; // beyond U+10FFFF
                foreach (var z3 in new[] { 0xbe, 0xbf })
                {
                    if (z1 == 0xf0 && z2 == 0x8f) continue; // overlong
                    nonCharacters.Add((true, B(z1, z2, 0xbf, z3)));
                }
            }
        }
        Add("Non-character code points (valid UTF-8)", [.. nonCharacters]);

        // Unicode specials
        Add("Unicode specials (i.e. replacement char)",
            (true, B(0xef, 0xbf, 0xb9)), (true, B(0xef, 0xbf, 0xba)), (true, B(0xef, 0xbf, 0xbb)), (true, B(0xef, 0xbf, 0xbc)),
            (true, B(0xef, 0xbf, 0xbd)), (true, B(0xef, 0xbf, 0xbe)), (true, B(0xef, 0xbf, 0xbf)));
        return all;
    }
}
