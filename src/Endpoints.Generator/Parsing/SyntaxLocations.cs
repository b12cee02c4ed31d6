using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Where to put a diagnostic: on the token the user has to change (a modifier, a return type, a parameter's type),
/// falling back to the symbol's name when the declaration has no such token.
/// </summary>
internal static class SyntaxLocations
{
    public static Location? Name(ISymbol symbol) => symbol.Locations.FirstOrDefault();

    /// <summary>The first modifier of <paramref name="kind"/> on the symbol's declaration, or its name.</summary>
    public static Location? Modifier(ISymbol symbol, SyntaxKind kind, CancellationToken cancellationToken)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            var modifiers = reference.GetSyntax(cancellationToken) switch
            {
                MemberDeclarationSyntax member => member.Modifiers,
                ParameterSyntax parameter => parameter.Modifiers,
                _ => default,
            };
            foreach (var modifier in modifiers)
            {
                if (modifier.IsKind(kind)) return modifier.GetLocation();
            }
        }
        return Name(symbol);
    }

    /// <summary>The accessibility modifiers (e.g. <c>private protected</c>) of the declaration, or its name when it has none.</summary>
    public static Location? Accessibility(ISymbol symbol, CancellationToken cancellationToken)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not MemberDeclarationSyntax member) continue;
            var access = member.Modifiers.Where(static m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword)
                || m.IsKind(SyntaxKind.InternalKeyword) || m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.FileKeyword)).ToList();
            if (access.Count > 0) return Location.Create(member.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(access[0].SpanStart, access[access.Count - 1].Span.End));
        }
        return Name(symbol);
    }

    public static Location? ReturnType(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration) return declaration.ReturnType.GetLocation();
        }
        return Name(method);
    }

    public static Location? ParameterList(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is BaseMethodDeclarationSyntax declaration) return declaration.ParameterList.GetLocation();
        }
        return Name(method);
    }

    public static Location? TypeParameters(ISymbol symbol, CancellationToken cancellationToken)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            var list = reference.GetSyntax(cancellationToken) switch
            {
                TypeDeclarationSyntax type => type.TypeParameterList,
                MethodDeclarationSyntax method => method.TypeParameterList,
                _ => null,
            };
            if (list is not null) return list.GetLocation();
        }
        return Name(symbol);
    }

    /// <summary>The whole parameter (attributes, type and name).</summary>
    public static Location? Parameter(IParameterSymbol parameter, CancellationToken cancellationToken)
        => Syntax(parameter, cancellationToken)?.GetLocation() ?? Name(parameter);

    public static Location? ParameterType(IParameterSymbol parameter, CancellationToken cancellationToken)
        => Syntax(parameter, cancellationToken)?.Type?.GetLocation() ?? Name(parameter);

    /// <summary>The constructor's name, or the class name for an implicit or primary constructor.</summary>
    public static Location? Constructor(IMethodSymbol constructor, CancellationToken cancellationToken)
    {
        foreach (var reference in constructor.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case ConstructorDeclarationSyntax declaration:
                    return declaration.Identifier.GetLocation();
                case TypeDeclarationSyntax { ParameterList: { } parameters }:
                    return parameters.GetLocation();
            }
        }
        return constructor.ContainingType.Locations.FirstOrDefault();
    }

    /// <summary>The declaration keyword and name of a type or method (e.g. <c>record struct Chat</c>), for what it is.</summary>
    public static Location? Declaration(ISymbol symbol, CancellationToken cancellationToken)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case TypeDeclarationSyntax type:
                    return Location.Create(type.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(type.Keyword.SpanStart, type.Identifier.Span.End));
                case MethodDeclarationSyntax method:
                    return method.Identifier.GetLocation();
            }
        }
        return Name(symbol);
    }

    private static ParameterSyntax? Syntax(IParameterSymbol parameter, CancellationToken cancellationToken)
    {
        foreach (var reference in parameter.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is ParameterSyntax syntax) return syntax;
        }
        return null;
    }
}
