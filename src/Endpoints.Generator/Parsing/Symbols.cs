using System.Linq;
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

    /// <summary>Whether two methods have the same parameters (types and ref kinds) and type parameter count: one hides the other.</summary>
    public static bool SameSignature(IMethodSymbol a, IMethodSymbol b)
    {
        if (a.Parameters.Length != b.Parameters.Length || a.TypeParameters.Length != b.TypeParameters.Length) return false;
        for (var i = 0; i < a.Parameters.Length; i++)
        {
            if (a.Parameters[i].RefKind != b.Parameters[i].RefKind
                || !SymbolEqualityComparer.Default.Equals(a.Parameters[i].Type, b.Parameters[i].Type)) return false;
        }
        return true;
    }

    /// <summary>The method as a public method of a class would declare it: <c>public void OnText(string text)</c>.</summary>
    public static string PublicSignature(IMethodSymbol method)
    {
        var returns = method.ReturnsVoid ? "void" : Display(method.ReturnType);
        var parameters = string.Join(", ", method.Parameters.Select(static p => Display(p.Type) + " " + p.Name));
        return $"public {returns} {method.Name}({parameters})";
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
}
