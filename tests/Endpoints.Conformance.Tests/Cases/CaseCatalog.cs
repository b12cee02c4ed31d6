namespace Endpoints.Conformance.Tests.Cases;

/// <summary>Every case, by id: Autobahn's groups 1-9 on both servers, 12 and 13 on the compressed one.</summary>
public static class CaseCatalog
{
    private static readonly Lazy<Dictionary<string, ConformanceCase>> s_cases = new(() =>
        AutobahnCases.All().Concat(CompressionCases.All()).ToDictionary(c => c.Id));

    public static ConformanceCase Get(string id) => s_cases.Value[id];

    /// <summary>The test names ("6.4.3 plain") of the cases that run against <paramref name="server"/>.</summary>
    public static TheoryData<string> Names(ServerKinds server, string suffix)
    {
        var names = new TheoryData<string>();
        foreach (var @case in s_cases.Value.Values.Where(c => c.Servers.HasFlag(server))) names.Add($"{@case.Id} {suffix}");
        return names;
    }
}
