using System;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>Questions the parser asks of symbols, answered one way everywhere.</summary>
internal static class Symbols
{
    // global::-qualified, keywords for special types, nullable reference annotations kept (`global::App.Player?`).
    private static readonly SymbolDisplayFormat s_fullName = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat s_userFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>
    /// The type as generated code writes it: <c>global::</c>-qualified, with its nullable annotation when
    /// <paramref name="keepNullable"/> (a type identity, e.g. a service type, is written without it).
    /// </summary>
    public static string FullName(ITypeSymbol type, bool keepNullable = false)
        => (keepNullable ? type : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)).ToDisplayString(s_fullName);

    /// <summary>The type as the user would write it, for messages.</summary>
    public static string Display(ITypeSymbol type) => type.ToDisplayString(s_userFormat);

    /// <summary>Whether <paramref name="type"/> is the type named <paramref name="fullName"/> (a <see cref="KnownTypes"/> constant), ignoring nullability.</summary>
    /// <remarks>
    /// Runs for every parameter of every endpoint on every compilation, so a plain <c>global::Namespace.Name</c> is
    /// compared name by name without building the type's display string; anything else falls back to it.
    /// </remarks>
    public static bool Is(ITypeSymbol type, string fullName)
    {
        const string prefix = "global::";
        if (!fullName.StartsWith(prefix, StringComparison.Ordinal) || fullName.IndexOf('<') >= 0) return FullName(type) == fullName;
        if (type is not INamedTypeSymbol named) return false;
        if (named.ContainingType is not null || named.IsGenericType) return FullName(type) == fullName;
        var end = fullName.Length;
        ISymbol? current = named;
        while (current is not null && !(current is INamespaceSymbol { IsGlobalNamespace: true }))
        {
            var dot = fullName.LastIndexOf('.', end - 1, end - prefix.Length);
            var start = dot < 0 ? prefix.Length : dot + 1;
            var name = current.MetadataName;
            if (end - start != name.Length || string.CompareOrdinal(fullName, start, name, 0, name.Length) != 0) return false;
            if (dot < 0) return current.ContainingNamespace is { IsGlobalNamespace: true };
            end = dot;
            current = current.ContainingNamespace;
        }
        return false;
    }

    public static bool IsNullableValueType(ITypeSymbol type, out ITypeSymbol? underlying)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            underlying = nullable.TypeArguments[0];
            return true;
        }
        underlying = null;
        return false;
    }

    /// <summary>A parameter that may be left without a value: a default value, or a nullable type.</summary>
    public static bool IsOptional(IParameterSymbol parameter)
        => parameter.HasExplicitDefaultValue
           || parameter.Type.NullableAnnotation == NullableAnnotation.Annotated
           || IsNullableValueType(parameter.Type, out _);

    /// <summary>Whether generated code in the same assembly can call or create it.</summary>
    public static bool IsAccessible(ISymbol member)
        => member.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    public static bool IsGeneric(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.TypeParameters.Length > 0) return true;
        }
        return false;
    }

    /// <summary>The class itself or the first type it is nested in that code elsewhere in the assembly cannot see.</summary>
    public static INamedTypeSymbol? InaccessibleContainer(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!IsAccessible(current)) return current;
        }
        return null;
    }

    public static string AccessibilityText(ISymbol symbol) => symbol.DeclaredAccessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
    };

    public static bool DerivesFrom(ITypeSymbol type, string baseFullName)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (Is(current, baseFullName)) return true;
        }
        return false;
    }

    /// <summary>Whether the type or a type it derives from implements the interface named <paramref name="interfaceFullName"/>.</summary>
    public static bool Implements(ITypeSymbol type, string interfaceFullName)
    {
        foreach (var implemented in type.AllInterfaces)
        {
            if (Is(implemented, interfaceFullName)) return true;
        }
        return false;
    }
}
