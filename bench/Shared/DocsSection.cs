namespace Benchmarks;

/// <summary>Replaces one generated section of a Markdown file, between <c>&lt;!-- name:start --&gt;</c> and <c>&lt;!-- name:end --&gt;</c>.</summary>
internal static class DocsSection
{
    public static void Write(string path, string name, string content)
    {
        string start = $"<!-- {name}:start -->", end = $"<!-- {name}:end -->";
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var section = $"{start}\n{content}{end}";
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        text = from >= 0 && to > from ? text[..from] + section + text[(to + end.Length)..] : text + "\n" + section + "\n";
        File.WriteAllText(path, text);
    }
}
