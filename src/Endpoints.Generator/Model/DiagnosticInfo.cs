using System.Collections.Immutable;
using System.Linq;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Endpoints.Generator.Model;

/// <summary>A diagnostic kept as plain data so that it can live in a cached pipeline step.</summary>
/// <param name="Suggestion">What a code fix should put in (a name or a type); null when there is nothing to suggest.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs, string? Suggestion)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
        => new(descriptor, LocationInfo.From(location), new EquatableArray<string>(messageArgs), null);

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs)
        => new(descriptor, location, new EquatableArray<string>(messageArgs), null);

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    public Diagnostic ToDiagnostic()
    {
        var properties = Suggestion is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionProperty, Suggestion);
        return Diagnostic.Create(Descriptor, Location?.ToLocation(), properties, MessageArgs.Select(static arg => (object)arg).ToArray());
    }
}

/// <summary>A source location without the syntax tree it came from.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is { IsInSource: true } ? new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;

    public Location ToLocation() => Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan);
}

/// <summary>
/// What parsing one endpoint class gives: a spec when it has no errors, its diagnostics, and its route (kept
/// apart from the spec so that the cross-endpoint duplicate check does not touch the spec's caching).
/// </summary>
internal sealed record EndpointParseResult(EndpointSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, RouteInfo? Route);

/// <summary>An endpoint's route for the duplicate check: the pattern as matched, and where it is written.</summary>
/// <param name="MatchKey">The pattern with case and parameter names removed: two endpoints with one key collide.</param>
internal sealed record RouteInfo(string EndpointName, string Pattern, string MatchKey, LocationInfo? Location);
