using System.ComponentModel;
using System.Reflection;
using Endpoints.Runtime.Tests.Architecture.Fixture.Low;

namespace Endpoints.Runtime.Tests.Architecture;

/// <summary>The runtime's rooms have walls: its type references go only the ways docs/architecture.md draws.</summary>
public sealed class RuntimeRoomsTests
{
    private static readonly string s_runtime = typeof(WebSocketEndpointOptions).Assembly.Location;

    [Fact]
    public void EveryReferenceBetweenRoomsGoesTheWayTheArchitectureDraws()
    {
        var violations = Rooms.Runtime.Violations(TypeReferences.Read(s_runtime));

        Assert.True(violations.Count == 0, "References against the rooms' directions:\n" + string.Join("\n",
            violations.Select(v => $"  {Rooms.Runtime.RoomOf(v.From)} → {Rooms.Runtime.RoomOf(v.To)}: {v.From} uses {v.To} ({v.Where})")));
    }

    [Fact]
    public void EveryRuntimeTypeLivesInARoom()
    {
        var strays = TypeReferences.Read(s_runtime)
            .SelectMany(static r => new[] { r.From, r.To })
            .Distinct()
            .Where(static name => !name.StartsWith('<') && !name.StartsWith("System.", StringComparison.Ordinal) && !name.StartsWith("Microsoft.CodeAnalysis.", StringComparison.Ordinal))
            .Where(static name => Rooms.Runtime.RoomOf(name) is null)
            .ToList();

        Assert.Empty(strays);
    }

    [Fact]
    public void TheContractGeneratedCodeCompilesAgainstIsHiddenFromIntelliSense()
    {
        var shown = typeof(WebSocketEndpointOptions).Assembly.GetExportedTypes()
            .Where(static type => type.Namespace == "Endpoints.Runtime.Generated")
            .Where(static type => type.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never)
            .Select(static type => type.FullName)
            .ToList();

        Assert.Empty(shown);
        Assert.Contains(typeof(WebSocketEndpointOptions).Assembly.GetExportedTypes(), static type => type.Namespace == "Endpoints.Runtime.Generated");
    }

    [Fact]
    public void TheReaderSeesReferencesInBodiesSignaturesGenericsClosuresAndStateMachines()
    {
        var references = TypeReferences.Read(typeof(RuntimeRoomsTests).Assembly.Location)
            .Where(static r => r.From.StartsWith(Fixture.Names.Prefix, StringComparison.Ordinal))
            .ToList();

        var flagged = Fixture.Names.Rooms.Violations(references).Select(static v => v.From).Distinct().Order(StringComparer.Ordinal).ToList();

        string[] wrong =
        [
            typeof(UsesHighInABody).FullName!, typeof(UsesHighInAClosure).FullName!, typeof(UsesHighInAField).FullName!,
            typeof(UsesHighInAGenericArgument).FullName!, typeof(UsesHighInAnAsyncMethod).FullName!, typeof(UsesHighInASignature).FullName!,
            typeof(UsesHighThroughAStaticMember).FullName!,
        ];
        Assert.Equal(wrong.Order(StringComparer.Ordinal), flagged);
        Assert.DoesNotContain(typeof(UsesOnlyItsOwnRoom).FullName!, flagged);
    }
}
