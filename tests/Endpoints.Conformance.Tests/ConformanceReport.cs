using System.Text;
using Endpoints.Conformance.Tests.Cases;

namespace Endpoints.Conformance.Tests;

/// <summary>
/// The run's verdicts, case by case, written to <c>$ENDPOINTS_TEST_RESULTS/conformance.txt</c> (when that is set) as each
/// server's cases end: a line per case, then the counts, then every case that was not OK with what happened.
/// </summary>
public static class ConformanceReport
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<string, CaseResult> s_results = [];

    public static void Record(CaseResult result)
    {
        lock (s_gate) s_results[result.Name] = result;
    }

    public static void Write()
    {
        if (Environment.GetEnvironmentVariable("ENDPOINTS_TEST_RESULTS") is not { Length: > 0 } directory) return;
        List<CaseResult> results;
        lock (s_gate) results = [.. s_results.Values];
        results.Sort((a, b) => NaturalOrder(a.Name, b.Name));

        var text = new StringBuilder();
        text.AppendLine("Autobahn-style conformance run against samples/Echo (Endpoints.Conformance.Tests)");
        text.AppendLine($"Cases: {results.Count}; " + string.Join(", ", Enum.GetValues<Verdict>().Select(v => $"{v.Name()}: {results.Count(r => r.Verdict == v)}")));
        text.AppendLine($"Total case time: {TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks)).TotalSeconds:0.0} s");
        text.AppendLine();
        foreach (var result in results) text.AppendLine($"{result.Name,-24} {result.Verdict.Name(),-14} {result.Duration.TotalMilliseconds,7:0} ms  {result.Note}".TrimEnd());
        var notOk = results.Where(r => r.Verdict != Verdict.Ok).ToList();
        text.AppendLine();
        text.AppendLine(notOk.Count == 0 ? "Every case is OK." : $"Not OK ({notOk.Count}):");
        foreach (var result in notOk) text.AppendLine($"{result.Name} {result.Verdict.Name()}: {result.Detail}");
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "conformance.txt"), text.ToString());
        }
        catch (IOException)
        {
            // The verdicts are in the test results too.
        }
    }

    /// <summary>"6.4.10 plain" after "6.4.9 plain"; plain before compressed for the same case.</summary>
    public static int NaturalOrder(string a, string b)
    {
        static (int[] Numbers, string Server) Split(string name)
        {
            var space = name.IndexOf(' ');
            var id = space < 0 ? name : name[..space];
            return (id.Split('.').Select(p => int.TryParse(p, out var n) ? n : 0).ToArray(), space < 0 ? "" : name[(space + 1)..]);
        }
        var (x, xs) = Split(a);
        var (y, ys) = Split(b);
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        }
        if (x.Length != y.Length) return x.Length.CompareTo(y.Length);
        static string Rank(string server) => server == "plain" ? "0" : server;
        return string.CompareOrdinal(Rank(xs), Rank(ys));
    }
}
