using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Warns (WS0062) where a callback assigns to a state that is a struct: the parameter, or a field or property reached
/// from it through value types only. Each callback gets a copy of the state OnOpen returned, and callbacks return no
/// state, so the change is lost when the callback returns. Changes to an object the struct refers to (a list in a
/// field) are kept and not reported, and neither is a local copy changed on purpose.
/// </summary>
internal static class StructStateCheck
{
    public static void Run(IMethodSymbol method, IParameterSymbol parameter, ITypeSymbol stateType, SemanticModel contextModel, DiagnosticList diagnostics,
        CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not MethodDeclarationSyntax declaration) continue;
            SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            if (body is null) continue;
            var model = declaration.SyntaxTree == contextModel.SyntaxTree ? contextModel : contextModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
            foreach (var node in body.DescendantNodes())
            {
                var target = Target(node);
                if (target is null || !ReachesParameter(target, parameter, model, cancellationToken)) continue;
                diagnostics.Report(DiagnosticDescriptors.StructStateChanged, target.GetLocation(), target.ToString(), method.Name, Symbols.Display(stateType),
                    Advice(stateType));
            }
        }
    }

    /// <summary>What <paramref name="node"/> writes to, when it writes: an assignment, ++ or --, or a ref or out argument.</summary>
    private static ExpressionSyntax? Target(SyntaxNode node) => node switch
    {
        AssignmentExpressionSyntax assignment => assignment.Left,
        PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) => prefix.Operand,
        PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression)
            => postfix.Operand,
        ArgumentSyntax argument when argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword)
            => argument.Expression,
        _ => null,
    };

    /// <summary>Whether the written place is the parameter itself or inside it: every step from it is a member of a value type.</summary>
    private static bool ReachesParameter(ExpressionSyntax target, IParameterSymbol parameter, SemanticModel model, CancellationToken cancellationToken)
    {
        var current = target;
        while (true)
        {
            switch (current)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    current = parenthesized.Expression;
                    break;
                case MemberAccessExpressionSyntax member when member.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    // Through a reference (a class in a field), the change lands in a shared object and is kept.
                    if (model.GetTypeInfo(member.Expression, cancellationToken).Type is not { IsValueType: true }) return false;
                    current = member.Expression;
                    break;
                case IdentifierNameSyntax identifier:
                    return identifier.Identifier.ValueText == parameter.Name
                           && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, parameter);
                default:
                    return false;
            }
        }
    }

    private static string Advice(ITypeSymbol stateType)
    {
        var type = Symbols.IsNullableValueType(stateType, out var underlying) ? underlying! : stateType;
        // The app's own struct can become a class; a struct of the framework's (int, a tuple) cannot.
        return type is INamedTypeSymbol { TypeKind: TypeKind.Struct } named && named.Locations.Any(static location => location.IsInSource)
            ? DiagnosticDescriptors.Advice.MakeStateAClass(Symbols.Display(type))
            : DiagnosticDescriptors.Advice.KeepInAField;
    }
}
