using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Warns where OnBinary lets the received buffer escape the call: into a field or property, into a lambda, into a
/// collection, or onto the connection's outbox without waiting for the write.
/// </summary>
internal static class BufferEscapeCheck
{
    private const string CopyAdvice = "copy it with '{0}.ToArray()' to keep the data";

    // Methods that keep their argument: collections and channels.
    private static readonly string[] s_storingMethods = { "Add", "AddFirst", "AddLast", "Insert", "Enqueue", "Push", "TryAdd", "AddOrUpdate", "TryWrite", "WriteAsync", "Post" };

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
                if (escape is not null) diagnostics.Report(DiagnosticDescriptors.BinaryBufferEscapes, identifier.GetLocation(), data.Name, escape.Value.What, string.Format(System.Globalization.CultureInfo.InvariantCulture, escape.Value.Advice, data.Name));
            }
        }
    }

    private static (string What, string Advice)? DescribeEscape(IdentifierNameSyntax identifier, SyntaxNode body, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var node = identifier.Parent; node is not null && node != body; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return ("captured by a lambda or local function that may run later", CopyAdvice);
        }
        if (identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Right == identifier)
        {
            var target = model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol;
            if (target is IFieldSymbol or IPropertySymbol) return ($"stored in '{target.Name}'", CopyAdvice);
        }
        if (identifier.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } })
        {
            var method = model.GetSymbolInfo(invocation, cancellationToken).Symbol as IMethodSymbol;
            if (method is null) return null;
            var receiver = invocation.Expression is MemberAccessExpressionSyntax access ? access.Expression.ToString() : "";
            var outbox = method.ContainingType is { Name: "ChannelWriter", TypeArguments.Length: 1 } writer && Symbols.Is(writer.TypeArguments[0], KnownTypes.Message);
            if (method.Name is "TrySendBinary" || (outbox && method.Name is "TryWrite" or "WriteAsync"))
            {
                return ($"queued by '{method.Name}' without waiting for the write",
                    "send it with 'await connection.SendBinaryAsync({0})', which completes once it is written, or queue a copy ('{0}.ToArray()')");
            }
            if (System.Array.IndexOf(s_storingMethods, method.Name) >= 0)
            {
                return ($"kept by '{(receiver.Length > 0 ? receiver + "." : "")}{method.Name}'", CopyAdvice);
            }
        }
        return null;
    }
}
