using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Endpoints.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot checks with Verify's file convention, so Verify.SourceGenerators can replace this later:
/// <c>_snapshots/{Class}.{Method}#{HintName}.verified.cs</c> beside the test, first line <c>//HintName: …</c>.
/// On a mismatch a <c>.received.cs</c> is written and the test fails with a line diff. Set
/// ENDPOINTS_ACCEPT_SNAPSHOTS=1 to accept locally; CI (CI=true) never accepts.
/// </summary>
internal static partial class Snapshot
{
    public const string VersionPlaceholder = "{generator-version}";

    private static bool Accept =>
        Environment.GetEnvironmentVariable("ENDPOINTS_ACCEPT_SNAPSHOTS") == "1"
        && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Verify(GeneratorRun run, [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(testFile)!, "_snapshots");
        Directory.CreateDirectory(directory);
        var prefix = $"{Path.GetFileNameWithoutExtension(testFile)}.{testMethod}";

        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        var failures = new StringBuilder();
        foreach (var source in run.Sources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            var hint = source.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source.HintName[..^3] : source.HintName;
            var baseName = $"{prefix}#{hint}";
            expectedFiles.Add(baseName + ".verified.cs");
            var text = $"//HintName: {source.HintName}\n" + Scrub(source.SourceText.ToString());
            Compare(directory, baseName, ".cs", text, failures);
        }

        if (run.GeneratorDiagnostics.Length > 0)
        {
            expectedFiles.Add(prefix + ".verified.txt");
            var text = string.Join("\n", run.GeneratorDiagnostics.Select(d => $"{d.Id} {d.Severity} {d.Location.GetLineSpan().Span}: {d.GetMessage()}")) + "\n";
            Compare(directory, prefix, ".txt", text, failures);
        }

        foreach (var stale in Directory.EnumerateFiles(directory, prefix + "*.verified.*").Select(Path.GetFileName))
        {
            if (!IsOwnSnapshot(stale!, prefix) || expectedFiles.Contains(stale!)) continue;
            if (Accept) File.Delete(Path.Combine(directory, stale!));
            else failures.AppendLine($"Stale snapshot {stale}: the generator no longer writes it; delete it.");
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    /// <summary>One text that is not a generated source (a document): <c>_snapshots/{Class}.{Method}#{name}.verified{extension}</c>.</summary>
    public static void VerifyText(string name, string extension, string text, [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(testFile)!, "_snapshots");
        Directory.CreateDirectory(directory);
        var failures = new StringBuilder();
        Compare(directory, $"{Path.GetFileNameWithoutExtension(testFile)}.{testMethod}#{name}", extension, text.Replace("\r\n", "\n"), failures);
        Assert.True(failures.Length == 0, failures.ToString());
    }

    // "Class.Method#…" and "Class.Method.verified.txt" belong to this test; "Class.MethodTwo#…" does not.
    private static bool IsOwnSnapshot(string fileName, string prefix)
        => fileName.StartsWith(prefix + "#", StringComparison.Ordinal) || fileName == prefix + ".verified.txt";

    private static void Compare(string directory, string baseName, string extension, string actual, StringBuilder failures)
    {
        var verifiedPath = Path.Combine(directory, baseName + ".verified" + extension);
        var receivedPath = Path.Combine(directory, baseName + ".received" + extension);
        var expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (Accept)
        {
            File.WriteAllText(verifiedPath, actual);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        failures.AppendLine(expected is null
            ? $"No snapshot {Path.GetFileName(verifiedPath)} yet; review {Path.GetFileName(receivedPath)} and accept it (ENDPOINTS_ACCEPT_SNAPSHOTS=1)."
            : $"{Path.GetFileName(verifiedPath)} differs (received file written):\n{Diff(expected, actual)}");
    }

    private static string Diff(string expected, string actual)
    {
        var diff = InlineDiffBuilder.Diff(expected, actual);
        var text = new StringBuilder();
        foreach (var line in diff.Lines)
        {
            var mark = line.Type switch { ChangeType.Inserted => "+ ", ChangeType.Deleted => "- ", _ => null };
            if (mark is not null) text.Append(mark).AppendLine(line.Text);
        }
        return text.ToString();
    }

    private static string Scrub(string source) => VersionPattern().Replace(source.Replace("\r\n", "\n"), $"\"Endpoints.Generator\", \"{VersionPlaceholder}\"");

    [GeneratedRegex("\"Endpoints\\.Generator\", \"[0-9.]+\"")]
    private static partial Regex VersionPattern();
}
