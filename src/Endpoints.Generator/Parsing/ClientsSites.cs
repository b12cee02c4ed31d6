using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Finds <c>IWebSocketClients&lt;T&gt;</c> of a <c>T</c> that is not an endpoint class, wherever the type is written
/// (a constructor parameter, a field, a callback parameter, <c>GetRequiredService&lt;…&gt;()</c>): the runtime makes
/// one for any class, and it reaches no connection (WS0070). The syntax predicate is cheap; the transform gives a
/// place and a name, and the diagnostic is made once the project's endpoint names are known, to suggest one.
/// </summary>
internal static class ClientsSites
{
    public static bool IsCandidate(SyntaxNode node, CancellationToken _)
        => node is GenericNameSyntax { Identifier.ValueText: "IWebSocketClients", TypeArgumentList.Arguments.Count: 1 } generic
           && generic.TypeArgumentList.Arguments[0] is not OmittedTypeArgumentSyntax;

    /// <summary>The type argument that is not an endpoint class, or null when it is one (or cannot be known).</summary>
    public static ClientsOfNotAnEndpoint? Check(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var generic = (GenericNameSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(generic, cancellationToken).Symbol is not INamedTypeSymbol clients) return null;
        var known = KnownTypeSymbols.For(context.SemanticModel.Compilation);
        if (!KnownTypeSymbols.IsConstructedFrom(clients, known.ClientsOfT)) return null;
        var argument = clients.TypeArguments[0];
        if (argument is ITypeParameterSymbol || argument.TypeKind == TypeKind.Error) return null;
        // An endpoint of a referenced assembly carries its attribute in metadata, so it is found the same way.
        if (argument.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.EndpointAttribute))) return null;
        return new ClientsOfNotAnEndpoint(Symbols.Display(argument), generic.TypeArgumentList.Arguments[0].GetLocation());
    }

    /// <summary>An endpoint class's full name (<c>global::…</c>), for the suggestion.</summary>
    public static string EndpointName(GeneratorAttributeSyntaxContext context, CancellationToken _)
        => context.TargetSymbol is INamedTypeSymbol type ? Symbols.FullName(type) : "";

    public static Diagnostic Diagnose(ClientsOfNotAnEndpoint site, EquatableArray<string> endpoints)
    {
        var suggestion = Suggest(site.TypeName, endpoints);
        var advice = suggestion is null ? DiagnosticDescriptors.Advice.NameAnEndpointClass : DiagnosticDescriptors.Advice.NameTheEndpoint(SimpleName(suggestion));
        var properties = suggestion is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionProperty, suggestion);
        return Diagnostic.Create(DiagnosticDescriptors.ClientsOfNotAnEndpoint, site.Location, properties, site.TypeName, advice);
    }

    /// <summary>
    /// The project's one endpoint, or the one whose name is closest to the type's ("Chat" for "ChatEndpoint"); none
    /// when no name is close.
    /// </summary>
    private static string? Suggest(string typeName, EquatableArray<string> endpoints)
    {
        var names = endpoints.Where(static n => n.Length > 0).Distinct(StringComparer.Ordinal).OrderBy(static n => n, StringComparer.Ordinal).ToList();
        if (names.Count == 1) return names[0];
        var simple = SimpleName(typeName);
        var close = names
            .Select(n => (Name: n, Simple: SimpleName(n)))
            .Select(n => (n.Name, Distance: n.Simple.StartsWith(simple, StringComparison.Ordinal) || simple.StartsWith(n.Simple, StringComparison.Ordinal) ? 0 : CallbackNames.Distance(n.Simple, simple)))
            .Where(static c => c.Distance <= 2)
            .OrderBy(static c => c.Distance)
            .ToList();
        return close.Count > 0 && (close.Count == 1 || close[0].Distance < close[1].Distance) ? close[0].Name : null;
    }

    private static string SimpleName(string name) => name.Substring(name.LastIndexOfAny(s_separators) + 1);

    private static readonly char[] s_separators = { '.', ':' };
}

/// <summary>Where <c>IWebSocketClients&lt;T&gt;</c> names a type that is not an endpoint class, and the type's name.</summary>
internal sealed record ClientsOfNotAnEndpoint(string TypeName, Location Location);
