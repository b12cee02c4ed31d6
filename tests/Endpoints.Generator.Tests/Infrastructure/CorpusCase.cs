using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace Endpoints.Generator.Tests.Infrastructure;

/// <summary>
/// One file of the diagnostics corpus: C# as a user would write it, with what the generator must say about it in a
/// header of comment lines:
/// <code>
/// // expect WS0004 at `OnText`: OnText must take the message as a parameter of type string
/// // expect WS0040 at `data`#2: …          (the second occurrence of the identifier or text `data`)
/// // generates: KeepingEndpoint, Other     (endpoint classes that get code; "none" for none)
/// </code>
/// </summary>
internal sealed partial record CorpusCase(string Name, string Source, IReadOnlyList<ExpectedDiagnostic> Expected, IReadOnlyList<string> Generates)
{
    public static string Directory() => Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "Corpus");

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;

    public static IEnumerable<string> Names() => System.IO.Directory.EnumerateFiles(Directory(), "*.cs")
        .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static CorpusCase Load(string name)
    {
        var source = File.ReadAllText(Path.Combine(Directory(), name + ".cs")).Replace("\r\n", "\n");
        var lines = source.Split('\n');
        var headerLength = 0;
        var expected = new List<ExpectedDiagnostic>();
        List<string>? generates = null;
        foreach (var line in lines)
        {
            if (!line.StartsWith("//", StringComparison.Ordinal)) break;
            headerLength += line.Length + 1;
            if (ExpectLine().Match(line) is { Success: true } expect)
            {
                var occurrence = expect.Groups["n"].Success ? int.Parse(expect.Groups["n"].Value) : 1;
                expected.Add(new ExpectedDiagnostic(expect.Groups["id"].Value, expect.Groups["token"].Value, occurrence, expect.Groups["message"].Value));
            }
            else if (line.StartsWith("// generates:", StringComparison.Ordinal))
            {
                var list = line["// generates:".Length..].Trim();
                generates = list == "none" ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            }
        }
        if (generates is null) throw new InvalidOperationException($"Corpus case {name} has no '// generates:' line.");
        var resolved = expected.Select(e => e with { Span = Find(source, headerLength, e, name) }).ToList();
        return new CorpusCase(name, source, resolved, generates);
    }

    /// <summary>The span of the n-th occurrence of the token after the header, matched as a whole word when it is one.</summary>
    private static TextSpan Find(string source, int from, ExpectedDiagnostic expected, string name)
    {
        var word = Regex.IsMatch(expected.Token, @"^\w+$");
        var pattern = word ? $@"(?<![\w]){Regex.Escape(expected.Token)}(?![\w])" : Regex.Escape(expected.Token);
        var matches = new Regex(pattern).Matches(source[from..]);
        if (matches.Count < expected.Occurrence) throw new InvalidOperationException($"Corpus case {name}: `{expected.Token}`#{expected.Occurrence} is not in the source.");
        var match = matches[expected.Occurrence - 1];
        return new TextSpan(from + match.Index, match.Length);
    }

    public override string ToString() => Name;

    [GeneratedRegex(@"^// expect (?<id>WS\d{4}) at `(?<token>[^`]+)`(#(?<n>\d+))?: (?<message>.*)$")]
    private static partial Regex ExpectLine();
}

internal sealed record ExpectedDiagnostic(string Id, string Token, int Occurrence, string Message)
{
    public TextSpan Span { get; init; }
}
