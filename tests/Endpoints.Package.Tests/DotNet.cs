using System.Diagnostics;
using System.Text;

namespace Endpoints.Package.Tests;

/// <summary>Runs the dotnet CLI as a user would: a clean environment, an isolated package cache, bounded in time.</summary>
internal static class DotNet
{
    public static string Executable => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs to the end; throws with the whole output when the exit code is not 0 (unless <paramref name="allowFailure"/>).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string packages, IEnumerable<string> arguments,
        bool allowFailure = false, TimeSpan? timeout = null)
    {
        using var process = Start(workingDirectory, packages, Executable, arguments);
        var output = new StringBuilder();
        var reading = Task.WhenAll(Pump(process.StandardOutput, output), Pump(process.StandardError, output));
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(6));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in time:\n{output}");
        }
        await reading;
        var text = output.ToString();
        if (process.ExitCode != 0 && !allowFailure) throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{text}");
        return (process.ExitCode, text);
    }

    /// <summary>Starts a program (a built app) in the same clean environment; the caller reads its output and ends it.</summary>
    public static Process Start(string workingDirectory, string packages, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host runs inside MSBuild's and the test platform's environment; a user's shell has none of it.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name is "DOTNET_HOST_PATH" or "NUGET_PACKAGES") start.Environment.Remove(name);
        }
        start.Environment["NUGET_PACKAGES"] = packages;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Everything the apps need is on this machine; a remote source that cannot be reached is not a failure.
        start.Environment["RestoreIgnoreFailedSources"] = "true";
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start " + fileName);
    }

    private static async Task Pump(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output) output.AppendLine(line);
        }
    }
}
