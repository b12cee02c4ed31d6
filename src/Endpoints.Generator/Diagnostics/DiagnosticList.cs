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

    /// <summary>Reports with a suggestion (a name or a type) that a code fix puts in.</summary>
    public void ReportWithSuggestion(DiagnosticDescriptor descriptor, Location? location, string suggestion, params string[] messageArgs)
        => Add(Diagnostic.Create(descriptor, Usable(location),
            ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionProperty, suggestion), messageArgs));

    public ImmutableArray<Diagnostic> ToImmutableArray() => _items.ToImmutableArray();

    private void Add(Diagnostic diagnostic)
    {
        _items.Add(diagnostic);
        if (diagnostic.Severity == DiagnosticSeverity.Error) HasErrors = true;
    }

    // A location in metadata (a base class from another assembly) cannot be shown; the diagnostic still is.
    private static Location? Usable(Location? location) => location is { IsInSource: true } ? location : null;
}
