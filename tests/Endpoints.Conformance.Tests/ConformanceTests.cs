using Endpoints.Conformance.Tests.Cases;
using Endpoints.Conformance.Tests.Infrastructure;

namespace Endpoints.Conformance.Tests;

/// <summary>
/// Autobahn TestSuite's cases 1.* to 9.* against the Echo sample as it starts by default. Each case is a row; it fails on
/// FAILED and on NON-STRICT, saying what was sent and what came back.
/// </summary>
public sealed class PlainServerConformanceTests(PlainEchoServer server) : IClassFixture<PlainEchoServer>
{
    public static TheoryData<string> Cases => CaseCatalog.Names(ServerKinds.Plain, "plain");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Case(string name) => ConformanceAssert.RunAsync(name, server);
}

/// <summary>
/// The same cases against the Echo sample with <c>--EnableCompression=true</c> (offered, not asked for: they run
/// uncompressed), and Autobahn's permessage-deflate cases 12.* and 13.*.
/// </summary>
public sealed class CompressedServerConformanceTests(CompressedEchoServer server) : IClassFixture<CompressedEchoServer>
{
    public static TheoryData<string> Cases => CaseCatalog.Names(ServerKinds.Compressed, "compressed");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Case(string name) => ConformanceAssert.RunAsync(name, server);
}

internal static class ConformanceAssert
{
    public static async Task RunAsync(string name, EchoServer server)
    {
        var @case = CaseCatalog.Get(name[..name.IndexOf(' ')]);
        var result = await CaseRunner.RunAsync(@case, server);
        ConformanceReport.Record(result);
        if (result.Verdict.FailsTheTest()) Assert.Fail($"{result.Name}: {result.Verdict.Name()}. {result.Detail}");
    }
}
