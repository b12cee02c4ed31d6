namespace Endpoints.Generator.Tests;

/// <summary>The README shows real generated code: its excerpt must still be what the snapshot holds.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void TheGeneratedCodeExcerptMatchesTheSnapshot()
    {
        var root = Path.GetFullPath(Path.Combine(ThisDirectory(), "..", ".."));
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf("<!-- generated-excerpt:start -->", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- generated-excerpt:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no generated-excerpt section");
        var excerpt = readme[start..end].Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith("```", StringComparison.Ordinal) && !line.StartsWith("<!--", StringComparison.Ordinal) && !line.StartsWith("// …", StringComparison.Ordinal))
            .ToList();
        var snapshot = File.ReadAllLines(Path.Combine(ThisDirectory(), "_snapshots", "GeneratedCodeSnapshotTests.StatefulSync#Samples.CountingEndpoint.WebSocketEndpoint.g.verified.cs"))
            .Select(line => line.Trim()).ToList();

        // Every excerpt line appears in the snapshot, in the same order (lines may be left out, none changed).
        var at = 0;
        foreach (var line in excerpt)
        {
            var found = snapshot.IndexOf(line, at);
            Assert.True(found >= 0, $"The README's generated-code excerpt has a line the snapshot does not (after line {at + 1}): {line}");
            at = found + 1;
        }
    }

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
