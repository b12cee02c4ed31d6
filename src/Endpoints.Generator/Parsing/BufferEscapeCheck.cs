using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>Warns where OnBinary lets the received buffer escape the call: into a field or property, or into a lambda.</summary>
internal static class BufferEscapeCheck
{
    public static void Run(IMethodSymbol method, SemanticModel contextModel, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var data = method.Parameters.FirstOrDefault(p => Symbols.Is(p.Type, KnownTypes.ReadOnlyMemoryOfByte));
        if (data is null) return;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not MethodDeclarationSyntax declaration) continue;
            SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            if (body is null) continue;
            var model = declaration.SyntaxTree == contextModel.SyntaxTree ? contextModel : contextModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
            foreach (var identifier in body.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != data.Name) continue;
                if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, data)) continue;
                var escape = DescribeEscape(identifier, body, model, cancellationToken);
                if (escape is not null) diagnostics.Report(DiagnosticDescriptors.BinaryBufferEscapes, identifier.GetLocation(), data.Name, escape);
            }
        }
    }

    private static string? DescribeEscape(IdentifierNameSyntax identifier, SyntaxNode body, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var node = identifier.Parent; node is not null && node != body; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return "captured by a lambda or local function that may run later";
        }
        if (identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Right == identifier)
        {
            var target = model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol;
            if (target is IFieldSymbol or IPropertySymbol) return $"stored in '{target.Name}'";
        }
        return null;
    }
}
