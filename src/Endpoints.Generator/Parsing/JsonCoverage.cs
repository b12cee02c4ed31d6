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
        if (context.TargetSymbol is not INamedTypeSymbol type
            || !KnownTypeSymbols.DerivesFrom(type, KnownTypeSymbols.For(context.SemanticModel.Compilation).JsonSerializerContext)) return null;
        var covered = new List<string>();
        foreach (var attribute in context.Attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol serializable) covered.Add(Symbols.FullName(serializable));
        }
        var known = KnownTypeSymbols.For(context.SemanticModel.Compilation);
        var (policy, insensitive) = JsonNames.ReadOptions(type, known);
        var (stringEnums, requiredParameters) = JsonNames.ReadSchemaOptions(type, known);
        return new JsonContextSpec(Symbols.FullName(type), MetadataName(type), type.Name, covered.ToEquatableArray(), policy, insensitive, stringEnums, requiredParameters);
    }

    /// <summary>One entry per context, its partial declarations' attributes together.</summary>
    public static EquatableArray<JsonContextSpec> Merge(ImmutableArray<JsonContextSpec> parts)
        => parts.GroupBy(static p => p.TypeName)
            .Select(static g => g.First() with { Covered = g.SelectMany(static p => p.Covered).Distinct().OrderBy(static n => n, StringComparer.Ordinal).ToEquatableArray() })
            .OrderBy(static c => c.TypeName, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>
    /// The endpoint with its context chosen, or null when a type no context covers (<see cref="Diagnose"/> reports it).
    /// Reads the spec only, so that an edit which moves the types' places leaves it cached.
    /// </summary>
    public static EndpointSpec? Resolve(EndpointSpec spec, EquatableArray<JsonContextSpec> contexts)
    {
        if (spec.Typed is not { } typed) return spec;
        var types = typed.TypeNames.ToList();
        if (!Choose(typed, types, contexts, out var chosen)) return spec;
        if (chosen is null || !types.All(chosen.Covered.Contains)) return null;
        return spec with { Typed = typed with { Context = chosen.TypeName } };
    }

    /// <summary>WS0050 for each type of a valid endpoint that no context covers, at the place it is named.</summary>
    public static ImmutableArray<Diagnostic> Diagnose(EndpointParseResult parsed, EquatableArray<JsonContextSpec> contexts)
    {
        if (parsed.Spec?.Typed is not { } typed) return ImmutableArray<Diagnostic>.Empty;
        if (!Choose(typed, typed.TypeNames.ToList(), contexts, out var chosen)) return ImmutableArray<Diagnostic>.Empty;
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var use in parsed.MessageTypeUses)
        {
            if (chosen is not null && chosen.Covered.Contains(use.TypeName)) continue;
            var typeText = use.TypeName.StartsWith("global::", StringComparison.Ordinal) ? use.TypeName.Substring("global::".Length) : use.TypeName;
            var properties = ImmutableDictionary<string, string?>.Empty.Add(TypeProperty, typeText);
            string advice;
            if (chosen is null)
            {
                advice = DiagnosticDescriptors.Advice.NoJsonContext(use.Display);
            }
            else
            {
                advice = DiagnosticDescriptors.Advice.AddToJsonContext(use.Display, chosen.Display);
                properties = properties.Add(ContextProperty, chosen.MetadataName);
            }
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MessageTypeNotSerializable, use.Location, properties, use.Display, advice));
        }
        return diagnostics.ToImmutable();
    }

    /// <summary>
    /// The context that must cover the types: the one the attribute names, else the project's context covering most of
    /// them (null when the project has none). False when the named context is not in this project: a context of a
    /// referenced assembly cannot be read here, so it is trusted, and a gap fails at startup.
    /// </summary>
    internal static bool Choose(TypedMessagesSpec typed, List<string> types, EquatableArray<JsonContextSpec> contexts, out JsonContextSpec? chosen)
    {
        if (typed.ContextNamed)
        {
            chosen = contexts.FirstOrDefault(c => c.TypeName == typed.Context);
            return chosen is not null;
        }
        chosen = contexts.OrderByDescending(c => types.Count(c.Covered.Contains)).ThenBy(static c => c.TypeName, StringComparer.Ordinal).FirstOrDefault();
        return true;
    }

    /// <summary>The context a contract's typed messages go through (as <see cref="Choose"/> picks it), or null when none can be read here.</summary>
    public static ContractWithContext WithContext(EndpointContract contract, EquatableArray<JsonContextSpec> contexts)
    {
        if (contract.Messages is not { } messages) return new ContractWithContext(contract, null);
        var types = messages.TypeNames.ToList();
        var chosen = messages.ContextNamed
            ? contexts.FirstOrDefault(c => c.TypeName == messages.Context)
            : contexts.OrderByDescending(c => types.Count(c.Covered.Contains)).ThenBy(static c => c.TypeName, StringComparer.Ordinal).FirstOrDefault();
        return new ContractWithContext(contract, chosen);
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
