using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Checks that a System.Text.Json source-generated context covers every typed message of an endpoint, so that
/// serialization needs no reflection. Generators cannot see each other's output, so the user's context (its
/// [JsonSerializable] attributes) is the contract; it is read in a pipeline of its own and joined with the endpoints.
/// </summary>
internal static class JsonCoverage
{
    /// <summary>The diagnostic properties WS0050's code fix reads: the context to add to, and the type to add.</summary>
    public const string ContextProperty = "JsonContext", TypeProperty = "MessageType";

    public static JsonContextSpec? ReadContext(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !Symbols.DerivesFrom(type, KnownTypes.JsonSerializerContext)) return null;
        var covered = new List<string>();
        foreach (var attribute in context.Attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol serializable) covered.Add(Symbols.FullName(serializable));
        }
        return new JsonContextSpec(Symbols.FullName(type), MetadataName(type), type.Name, covered.ToEquatableArray());
    }

    /// <summary>One entry per context, its partial declarations' attributes together.</summary>
    public static EquatableArray<JsonContextSpec> Merge(ImmutableArray<JsonContextSpec> parts)
        => parts.GroupBy(static p => p.TypeName)
            .Select(static g => g.First() with { Covered = g.SelectMany(static p => p.Covered).Distinct().OrderBy(static n => n, StringComparer.Ordinal).ToEquatableArray() })
            .OrderBy(static c => c.TypeName, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>The endpoint with its context chosen, or null with WS0050 for each type no context covers.</summary>
    public static CoverageResult Resolve(EndpointSpec spec, EquatableArray<JsonContextSpec> contexts)
    {
        if (spec.Typed is not { } typed) return new CoverageResult(spec, ImmutableArray<Diagnostic>.Empty);
        var types = typed.Uses.Select(static u => u.TypeName).ToList();
        JsonContextSpec? chosen;
        if (typed.ContextNamed)
        {
            chosen = contexts.FirstOrDefault(c => c.TypeName == typed.Context);
            // A context of a referenced assembly cannot be read here: it is trusted, and a gap fails at startup.
            if (chosen is null) return new CoverageResult(spec, ImmutableArray<Diagnostic>.Empty);
        }
        else
        {
            chosen = contexts.OrderByDescending(c => types.Count(c.Covered.Contains)).ThenBy(static c => c.TypeName, StringComparer.Ordinal).FirstOrDefault();
        }

        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var use in typed.Uses)
        {
            if (chosen is not null && chosen.Covered.Contains(use.TypeName)) continue;
            var typeText = use.TypeName.StartsWith("global::", StringComparison.Ordinal) ? use.TypeName.Substring("global::".Length) : use.TypeName;
            var properties = ImmutableDictionary<string, string?>.Empty.Add(TypeProperty, typeText);
            string advice;
            if (chosen is null)
            {
                advice = $"no JsonSerializerContext in this project declares it; add one: '[JsonSerializable(typeof({use.Display}))] internal partial class AppJsonContext : JsonSerializerContext;'";
            }
            else
            {
                advice = $"add [JsonSerializable(typeof({use.Display}))] to {chosen.Display}";
                properties = properties.Add(ContextProperty, chosen.MetadataName);
            }
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MessageTypeNotSerializable, use.Location, properties, use.Display, advice));
        }
        if (diagnostics.Count > 0) return new CoverageResult(null, diagnostics.ToImmutable());
        return new CoverageResult(spec with { Typed = typed with { Context = chosen!.TypeName } }, ImmutableArray<Diagnostic>.Empty);
    }

    private static string MetadataName(INamedTypeSymbol type)
    {
        var name = new StringBuilder(type.MetadataName);
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) name.Insert(0, outer.MetadataName + "+");
        var ns = type.ContainingNamespace;
        if (ns is { IsGlobalNamespace: false }) name.Insert(0, ns.ToDisplayString() + ".");
        return name.ToString();
    }
}

/// <summary>An endpoint after the JSON check: the spec to emit (null when a type is not covered) and the diagnostics.</summary>
internal sealed class CoverageResult(EndpointSpec? spec, ImmutableArray<Diagnostic> diagnostics) : IEquatable<CoverageResult>
{
    public EndpointSpec? Spec { get; } = spec;

    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics;

    public bool Equals(CoverageResult? other) => other is not null && Equals(Spec, other.Spec) && Diagnostics.SequenceEqual(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as CoverageResult);

    public override int GetHashCode() => (Spec?.GetHashCode() ?? 0) ^ Diagnostics.Length;
}
