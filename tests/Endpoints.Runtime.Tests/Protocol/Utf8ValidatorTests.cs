using System.Text;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Tests.Protocol;

/// <summary>
/// The incremental UTF-8 validator fed every valid and invalid sequence, whole, a byte at a time and split at every
/// point: valid text is accepted however it is cut, invalid text is refused (by the end at the latest, and at the first
/// byte that no continuation could make valid).
/// </summary>
public sealed class Utf8ValidatorTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static readonly Dictionary<string, byte[]> s_valid = new()
    {
        ["empty"] = [],
        ["ascii"] = "Hello, world"u8.ToArray(),
        ["NUL"] = [0x00],
        ["DEL"] = [0x7F],
        ["the lowest 2-byte sequence C2 80"] = Hex("C2 80"),
        ["the highest 2-byte sequence DF BF"] = Hex("DF BF"),
        ["the lowest 3-byte sequence E0 A0 80"] = Hex("E0 A0 80"),
        ["the euro sign E2 82 AC"] = Hex("E2 82 AC"),
        ["the last before the surrogates ED 9F BF"] = Hex("ED 9F BF"),
        ["the first after the surrogates EE 80 80"] = Hex("EE 80 80"),
        ["the highest 3-byte sequence EF BF BF"] = Hex("EF BF BF"),
        ["a byte order mark EF BB BF"] = Hex("EF BB BF"),
        ["the lowest 4-byte sequence F0 90 80 80"] = Hex("F0 90 80 80"),
        ["an emoji F0 9F 98 80"] = Hex("F0 9F 98 80"),
        ["the highest code point F4 8F BF BF"] = Hex("F4 8F BF BF"),
        ["greek"] = "κόσμε"u8.ToArray(),
        ["mixed widths"] = "a€😀éZ\u0800\uFFFD\U0010FFFF"u8.ToArray(),
        ["a long mixed text that crosses vector widths"] = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("abc€😀déκόσμε 012345", 8))),
    };

    private static readonly Dictionary<string, byte[]> s_invalid = new()
    {
        ["an overlong NUL C0 80"] = Hex("C0 80"),
        ["an overlong C1 BF"] = Hex("C1 BF"),
        ["an overlong 3-byte NUL E0 80 80"] = Hex("E0 80 80"),
        ["an overlong 3-byte E0 9F BF"] = Hex("E0 9F BF"),
        ["an overlong 4-byte NUL F0 80 80 80"] = Hex("F0 80 80 80"),
        ["an overlong 4-byte F0 8F BF BF"] = Hex("F0 8F BF BF"),
        ["a high surrogate ED A0 80"] = Hex("ED A0 80"),
        ["a low surrogate ED BF BF"] = Hex("ED BF BF"),
        ["a surrogate pair ED A0 BD ED B8 80"] = Hex("ED A0 BD ED B8 80"),
        ["above U+10FFFF F4 90 80 80"] = Hex("F4 90 80 80"),
        ["a lead byte F5"] = Hex("F5 80 80 80"),
        ["a lead byte F8"] = Hex("F8 88 80 80 80"),
        ["FE"] = Hex("FE"),
        ["FF"] = Hex("FF"),
        ["a lone continuation byte 80"] = Hex("80"),
        ["a lone continuation byte BF after text"] = Hex("61 62 BF 63"),
        ["a continuation byte too many E2 82 AC 80"] = Hex("E2 82 AC 80"),
        ["a truncated E2 82 at the end"] = Hex("61 E2 82"),
        ["a truncated F0 9F 98 at the end"] = Hex("F0 9F 98"),
        ["a truncated C2 at the end"] = Hex("C2"),
        ["a truncated sequence before ASCII E2 82 41"] = Hex("E2 82 41"),
        ["a 2-byte lead before ASCII C2 41"] = Hex("C2 41"),
        ["a 3-byte lead before a lead E2 E2 82 AC"] = Hex("E2 E2 82 AC"),
        ["an invalid byte deep in valid text"] = [.. "κόσμε and more text "u8.ToArray(), 0xED, 0xA0, 0x80, .. "tail"u8.ToArray()],
        ["an invalid byte after a long valid run"] = [.. Encoding.UTF8.GetBytes(new string('x', 100) + "€"), 0xC0, 0xAF],
    };

    public static TheoryData<string> Valid()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_valid.Keys) data.Add(name);
        return data;
    }

    public static TheoryData<string> Invalid()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_invalid.Keys) data.Add(name);
        return data;
    }

    /// <summary>The index of the first byte after which no continuation makes the bytes valid; the length when only the end makes them invalid.</summary>
    private static int FirstInvalidByte(byte[] bytes)
    {
        for (var i = 1; i <= bytes.Length; i++)
        {
            if (!CouldStillBeValid(bytes.AsSpan(0, i))) return i - 1;
        }
        return bytes.Length;
    }

    private static bool CouldStillBeValid(ReadOnlySpan<byte> prefix)
    {
        while (!prefix.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(prefix, out _, out var consumed);
            if (status == System.Buffers.OperationStatus.NeedMoreData) return true;
            if (status != System.Buffers.OperationStatus.Done) return false;
            prefix = prefix[consumed..];
        }
        return true;
    }

    [Fact]
    public void TheReferenceAgreesWithTheFrameworkOnWholeSequences()
    {
        foreach (var bytes in s_valid.Values) Assert.Equal(bytes.Length, FirstInvalidByte(bytes));
        foreach (var bytes in s_invalid.Values) Assert.False(System.Text.Unicode.Utf8.IsValid(bytes));
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidTextIsAcceptedWholeAndAtEverySplitPoint(string name)
    {
        var bytes = s_valid[name];
        var whole = default(Utf8Validator);
        Assert.True(whole.Validate(bytes, final: true));
        for (var split = 0; split <= bytes.Length; split++)
        {
            var validator = default(Utf8Validator);
            Assert.True(validator.Validate(bytes.AsSpan(0, split), final: false), $"first part up to {split}");
            Assert.True(validator.Validate(bytes.AsSpan(split), final: true), $"second part from {split}");
        }
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidTextIsAcceptedOneByteAtATimeAndWithAnEmptyFinalChunk(string name)
    {
        var bytes = s_valid[name];
        var validator = default(Utf8Validator);
        for (var i = 0; i < bytes.Length; i++) Assert.True(validator.Validate(bytes.AsSpan(i, 1), final: false), $"byte {i}");
        Assert.True(validator.Validate([], final: true));
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidTextIsAcceptedInThreePiecesCutAnywhere(string name)
    {
        var bytes = s_valid[name];
        if (bytes.Length > 40) return;
        for (var a = 0; a <= bytes.Length; a++)
        {
            for (var b = a; b <= bytes.Length; b++)
            {
                var validator = default(Utf8Validator);
                Assert.True(validator.Validate(bytes.AsSpan(0, a), false) && validator.Validate(bytes.AsSpan(a, b - a), false) && validator.Validate(bytes.AsSpan(b), true),
                    $"cut at {a} and {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidTextIsRefusedByTheEndWholeAndAtEverySplitPoint(string name)
    {
        var bytes = s_invalid[name];
        var whole = default(Utf8Validator);
        Assert.False(whole.Validate(bytes, final: true));
        for (var split = 0; split <= bytes.Length; split++)
        {
            var validator = default(Utf8Validator);
            var accepted = validator.Validate(bytes.AsSpan(0, split), final: false) && validator.Validate(bytes.AsSpan(split), final: true);
            Assert.False(accepted, $"split at {split}");
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidTextIsRefusedOneByteAtATime(string name)
    {
        var bytes = s_invalid[name];
        var validator = default(Utf8Validator);
        var accepted = true;
        for (var i = 0; i < bytes.Length && accepted; i++) accepted = validator.Validate(bytes.AsSpan(i, 1), final: i == bytes.Length - 1);
        Assert.False(accepted);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidTextIsRefusedAtTheFirstByteThatCannotBeCompleted(string name)
    {
        var bytes = s_invalid[name];
        var firstBad = FirstInvalidByte(bytes);

        // One byte at a time, not final: the refusal comes exactly with the first byte no continuation can make valid.
        var validator = default(Utf8Validator);
        var refusedAt = -1;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!validator.Validate(bytes.AsSpan(i, 1), final: false))
            {
                refusedAt = i;
                break;
            }
        }
        Assert.Equal(firstBad < bytes.Length ? firstBad : -1, refusedAt);

        // Two pieces: a first piece that holds the bad byte is refused by itself, before the rest arrives.
        for (var split = firstBad + 1; split <= bytes.Length; split++)
        {
            var pieces = default(Utf8Validator);
            Assert.False(pieces.Validate(bytes.AsSpan(0, split), final: false), $"first piece up to {split}");
        }
    }

    [Fact]
    public void ResetForgetsAnIncompleteSequenceFromTheLastMessage()
    {
        var validator = default(Utf8Validator);
        Assert.True(validator.Validate(Hex("61 E2 82"), final: false));
        validator.Reset();
        Assert.True(validator.Validate("b"u8, final: true));
    }

    [Fact]
    public void EveryTwoByteSequenceSplitInTheMiddleAgreesWithTheFramework()
    {
        // Exhaustive over two bytes (and two bytes followed by the rest of a longest sequence): split or whole, same verdict.
        for (var first = 0; first < 256; first++)
        {
            for (var second = 0; second < 256; second++)
            {
                byte[] bytes = [(byte)first, (byte)second, 0x80, 0x80];
                foreach (var length in new[] { 2, 3, 4 })
                {
                    var expected = System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(0, length));
                    for (var split = 0; split <= length; split++)
                    {
                        var validator = default(Utf8Validator);
                        var accepted = validator.Validate(bytes.AsSpan(0, split), false) && validator.Validate(bytes.AsSpan(split, length - split), true);
                        if (accepted != expected) Assert.Fail($"{Convert.ToHexString(bytes, 0, length)} split at {split}: {(accepted ? "accepted" : "refused")}");
                    }
                }
            }
        }
    }
}
