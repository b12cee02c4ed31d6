using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Diagnostics;

/// <summary>The diagnostics found while parsing one endpoint, created with their real source locations.</summary>
internal sealed class DiagnosticList
{
    private readonly List<Diagnostic> _items = new();

    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
        => Add(Diagnostic.Create(descriptor, Usable(location), messageArgs));

    /// <summary>Reports with a suggestion (a name, a type or a value) that a code fix puts in.</summary>
    public void ReportWithSuggestion(DiagnosticDescriptor descriptor, Location? location, string suggestion, params string[] messageArgs)
        => Add(Diagnostic.Create(descriptor, Usable(location),
            ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionProperty, suggestion), messageArgs));

    /// <summary>Reports with related places (e.g. OnOpen's return type for a state parameter) and an optional suggestion.</summary>
    public void ReportRelated(DiagnosticDescriptor descriptor, Location? location, IEnumerable<Location?> related, string? suggestion, params string[] messageArgs)
    {
        var additional = new List<Location>();
        foreach (var place in related)
        {
            if (Usable(place) is { } usable) additional.Add(usable);
        }
        var properties = suggestion is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionProperty, suggestion);
        Add(Diagnostic.Create(descriptor, Usable(location), additional, properties, messageArgs));
    }

    public ImmutableArray<Diagnostic> ToImmutableArray() => _items.ToImmutableArray();

    private void Add(Diagnostic diagnostic)
    {
        _items.Add(diagnostic);
        if (diagnostic.Severity == DiagnosticSeverity.Error) HasErrors = true;
    }

    // A location in metadata (a base class from another assembly) cannot be shown; the diagnostic still is.
    private static Location? Usable(Location? location) => location is { IsInSource: true } ? location : null;
}
