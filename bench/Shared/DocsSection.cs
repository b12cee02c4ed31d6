namespace Benchmarks;

/// <summary>Replaces one generated section of a Markdown file, between <c>&lt;!-- name:start --&gt;</c> and <c>&lt;!-- name:end --&gt;</c>.</summary>
internal static class DocsSection
{
    public static void Write(string path, string name, string content)
    {
        path = FromRepositoryRoot(path);
        string start = $"<!-- {name}:start -->", end = $"<!-- {name}:end -->";
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var section = $"{start}\n{content}{end}";
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        text = from >= 0 && to > from ? text[..from] + section + text[(to + end.Length)..] : text + "\n" + section + "\n";
        File.WriteAllText(path, text);
    }

    // `dotnet run` of a web project runs in the project's directory: a relative path means the repository's.
    private static string FromRepositoryRoot(string path)
    {
        if (Path.IsPathRooted(path)) return path;
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Endpoints.sln"))) return Path.Combine(directory.FullName, path);
        }
        return path;
    }
}
