using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Warns where OnBinary or OnText lets the received message escape the call: the buffer (valid only until the callback
/// returns) or the stream or reader (which ends when it returns) stored in a field or property, captured by a lambda,
/// kept by a collection, queued on the outbox, or used by a call that is not awaited.
/// </summary>
internal static class BufferEscapeCheck
{
    // Methods that keep their argument: collections and channels.
    private static readonly string[] s_storingMethods = { "Add", "AddFirst", "AddLast", "Insert", "Enqueue", "Push", "TryAdd", "AddOrUpdate", "TryWrite", "WriteAsync", "Post" };

    public static void Run(IMethodSymbol method, CallbackKind kind, SemanticModel contextModel, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        foreach (var parameter in method.Parameters)
        {
            var message = Describe(parameter.Type, kind, method.Name);
            if (message is null) continue;
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not MethodDeclarationSyntax declaration) continue;
                SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
                if (body is null) continue;
                var model = declaration.SyntaxTree == contextModel.SyntaxTree ? contextModel : contextModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
                foreach (var identifier in body.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (identifier.Identifier.ValueText != parameter.Name) continue;
                    if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, parameter)) continue;
                    var escape = DescribeEscape(identifier, body, model, message.Value.IsBuffer, cancellationToken);
                    if (escape is null) continue;
                    diagnostics.Report(DiagnosticDescriptors.BinaryBufferEscapes, identifier.GetLocation(), parameter.Name, escape.Value.What, message.Value.Problem,
                        string.Format(System.Globalization.CultureInfo.InvariantCulture, escape.Value.Advice ?? message.Value.Advice, parameter.Name, method.Name));
                }
            }
        }
    }

    /// <summary>What a received message parameter is, for the message: its problem and the usual advice.</summary>
    private static (bool IsBuffer, string Problem, string Advice)? Describe(ITypeSymbol type, CallbackKind kind, string callback)
    {
        if (kind == CallbackKind.Binary && Symbols.Is(type, KnownTypes.ReadOnlyMemoryOfByte))
        {
            return (true, $"the buffer is reused once {callback} returns", "copy it with '{0}.ToArray()' to keep the data");
        }
        if (kind == CallbackKind.Text && Symbols.Is(type, KnownTypes.ReadOnlyMemoryOfByte))
        {
            return (true, $"the buffer is reused once {callback} returns", "take the text as a string, or copy the bytes with '{0}.ToArray()', to keep it");
        }
        if (kind == CallbackKind.Binary && Symbols.Is(type, KnownTypes.Stream))
        {
            return (false, $"the stream ends once {callback} returns", "read it before {1} returns (await the reads), copying what you need to keep");
        }
        if (kind == CallbackKind.Text && Symbols.Is(type, KnownTypes.TextReader))
        {
            return (false, $"the reader ends once {callback} returns", "read it before {1} returns (await the reads), copying what you need to keep");
        }
        return null;
    }

    private static (string What, string? Advice)? DescribeEscape(IdentifierNameSyntax identifier, SyntaxNode body, SemanticModel model, bool isBuffer, CancellationToken cancellationToken)
    {
        for (var node = identifier.Parent; node is not null && node != body; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return ("captured by a lambda or local function that may run later", null);
        }
        if (identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Right == identifier)
        {
            var target = model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol;
            if (target is IFieldSymbol or IPropertySymbol) return ($"stored in '{target.Name}'", null);
        }
        var invocation = identifier.Parent switch
        {
            ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } => call,
            MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax call } access when access.Expression == identifier => call,
            _ => null,
        };
        if (invocation is null) return null;
        if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return null;
        var receiver = invocation.Expression is MemberAccessExpressionSyntax member ? member.Expression.ToString() : "";
        var outbox = method.ContainingType is { Name: "ChannelWriter", TypeArguments.Length: 1 } writer && Symbols.Is(writer.TypeArguments[0], KnownTypes.Message);
        if (isBuffer && (method.Name is "TrySendBinary" || (outbox && method.Name is "TryWrite" or "WriteAsync")) && IsArgument(identifier))
        {
            return ($"queued by '{method.Name}' without waiting for the write",
                "send it with 'await connection.SendBinaryAsync({0})', which completes once it is written, or queue a copy ('{0}.ToArray()')");
        }
        if (System.Array.IndexOf(s_storingMethods, method.Name) >= 0 && IsArgument(identifier))
        {
            return ($"kept by '{(receiver.Length > 0 ? receiver + "." : "")}{method.Name}'", null);
        }
        if (ReturnsTask(method) && !IsAwaited(invocation))
        {
            return ($"used by '{method.Name}', which is not awaited", "await it, so that it ends before {1} returns");
        }
        return null;
    }

    private static bool IsArgument(IdentifierNameSyntax identifier) => identifier.Parent is ArgumentSyntax;

    private static bool ReturnsTask(IMethodSymbol method)
        => method.ReturnType.Name is "Task" or "ValueTask" && method.ReturnType.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    /// <summary>Awaited, or returned from the callback (which the runtime awaits), or passed on (its caller decides).</summary>
    private static bool IsAwaited(InvocationExpressionSyntax invocation)
    {
        SyntaxNode node = invocation;
        while (node.Parent is ParenthesizedExpressionSyntax or InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } }
               or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" })
        {
            node = node.Parent;
        }
        return node.Parent switch
        {
            AwaitExpressionSyntax => true,
            ReturnStatementSyntax or ArrowExpressionClauseSyntax => true,
            ArgumentSyntax => true,
            EqualsValueClauseSyntax => true,
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } => false,
            AssignmentExpressionSyntax => true,
            _ => node.Parent is not ExpressionStatementSyntax,
        };
    }
}
