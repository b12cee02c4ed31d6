using System.Reflection;
using System.Security;
using System.Text;

namespace Endpoints.Package.Tests;

/// <summary>
/// The repository's packages, packed once into a folder feed in a temp directory outside the repository, with a
/// nuget.config beside it and an isolated package cache: the apps the tests create see only what a user who added
/// the feed would see, and a cached package of the same version can never shadow the fresh pack.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "endpoints-package-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "packages");

    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(ThisDirectory(), "..", ".."));

    public static string Configuration { get; } = typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The version every package has, from Directory.Build.props.</summary>
    public static string Version { get; } = System.Text.RegularExpressions.Regex.Match(
        File.ReadAllText(Path.Combine(RepositoryRoot, "Directory.Build.props")), "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Packages);
        var sources = await ConfiguredSourcesAsync();
        // The packable projects only (the solution would rebuild this test while it runs); they were built with it.
        foreach (var project in PackableProjects())
        {
            await DotNet.RunAsync(RepositoryRoot, Packages, ["pack", project, "-c", Configuration, "--no-build", "-o", Feed]);
        }
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), NuGetConfig(sources));
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still hold a file for a moment; the temp folder is cleaned up later.
        }
        return Task.CompletedTask;
    }

    public static IEnumerable<string> PackableProjects() => Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
        .Where(path => File.ReadAllText(path).Contains("<IsPackable>true</IsPackable>", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal);

    /// <summary>The sources the user configured (enabled ones), as `dotnet nuget list source` reports them outside the repository.</summary>
    private async Task<List<string>> ConfiguredSourcesAsync()
    {
        var (_, output) = await DotNet.RunAsync(Root, Packages, ["nuget", "list", "source", "--format", "short"]);
        return output.Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("E ", StringComparison.Ordinal)).Select(line => line[2..].Trim()).ToList();
    }

    /// <summary>
    /// The feed, the machine's package folder (so that an app restores offline what this machine already has) and the
    /// user's sources; Endpoints packages may come from the feed only (package source mapping).
    /// </summary>
    private string NuGetConfig(List<string> sources)
    {
        var machine = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var all = new List<(string Key, string Value)> { ("endpoints-feed", Feed) };
        if (Directory.Exists(machine)) all.Add(("machine-packages", machine));
        for (var i = 0; i < sources.Count; i++) all.Add(($"configured-{i + 1}", sources[i]));

        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n");
        foreach (var (key, value) in all) xml.Append($"    <add key=\"{key}\" value=\"{SecurityElement.Escape(value)}\" />\n");
        xml.Append("  </packageSources>\n  <packageSourceMapping>\n");
        xml.Append("    <packageSource key=\"endpoints-feed\">\n      <package pattern=\"Endpoints\" />\n      <package pattern=\"Endpoints.*\" />\n    </packageSource>\n");
        foreach (var (key, _) in all.Skip(1)) xml.Append($"    <packageSource key=\"{key}\">\n      <package pattern=\"*\" />\n    </packageSource>\n");
        xml.Append("  </packageSourceMapping>\n</configuration>\n");
        return xml.ToString();
    }

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
