namespace Endpoints.Runtime.Tests.Architecture;

/// <summary>
/// Rooms (each one namespace or a few) and the rooms each may use; a reference that is not listed goes the wrong way.
/// </summary>
public sealed class Rooms(IReadOnlyDictionary<string, string> roomOfNamespace, IReadOnlyDictionary<string, string[]> mayUse)
{
    /// <summary>The runtime's rooms, as docs/architecture.md draws them, from the top down.</summary>
    public static Rooms Runtime { get; } = new(
        new Dictionary<string, string>
        {
            ["Endpoints.Runtime.Generated"] = "Generated",
            ["Endpoints.Runtime.Transport"] = "Transport",
            ["Endpoints.Runtime.Connections"] = "Connections",
            ["Endpoints.Runtime.Hosting"] = "Hosting",
            ["Microsoft.Extensions.DependencyInjection"] = "Hosting",
            ["Microsoft.AspNetCore.Builder"] = "Hosting",
            ["Endpoints.Runtime.Fanout"] = "Fanout",
            ["Endpoints"] = "Options",
            ["Endpoints.Scaleout"] = "Scaleout",
            ["Endpoints.Runtime.Protocol"] = "Protocol",
            ["Endpoints.Runtime.Diagnostics"] = "Diagnostics",
        },
        new Dictionary<string, string[]>
        {
            ["Generated"] = ["Transport", "Connections", "Hosting", "Fanout", "Options", "Scaleout", "Protocol", "Diagnostics"],
            ["Transport"] = ["Connections", "Hosting", "Fanout", "Options", "Protocol", "Diagnostics"],
            ["Connections"] = ["Hosting", "Fanout", "Options", "Protocol", "Diagnostics"],
            ["Hosting"] = ["Fanout", "Options", "Scaleout", "Protocol", "Diagnostics"],
            ["Fanout"] = ["Options", "Scaleout", "Diagnostics"],
            ["Options"] = [],
            ["Scaleout"] = [],
            ["Protocol"] = [],
            ["Diagnostics"] = [],
        });

    /// <summary>The room of a type's full name, or null when its namespace is in no room.</summary>
    public string? RoomOf(string typeName)
    {
        var dot = typeName.LastIndexOf('.');
        return roomOfNamespace.GetValueOrDefault(dot < 0 ? "" : typeName[..dot]);
    }

    /// <summary>The references that go from one room to another the rooms do not allow.</summary>
    public IReadOnlyList<TypeReference> Violations(IEnumerable<TypeReference> references)
        => references
            .Where(reference => RoomOf(reference.From) is { } from && RoomOf(reference.To) is { } to && from != to && !mayUse[from].Contains(to))
            .OrderBy(static r => r.From, StringComparer.Ordinal).ThenBy(static r => r.To, StringComparer.Ordinal).ThenBy(static r => r.Where, StringComparer.Ordinal)
            .ToList();
}
