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

    public static void Run(IMethodSymbol method, CallbackKind kind, SemanticModel contextModel, KnownTypeSymbols known, DiagnosticList diagnostics,
        CancellationToken cancellationToken)
    {
        foreach (var parameter in method.Parameters)
        {
            var message = Describe(parameter.Type, kind, parameter.Name, method.Name, known);
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
                    var escape = DescribeEscape(identifier, body, model, message.Value.IsBuffer, parameter.Name, method.Name, known, cancellationToken);
                    if (escape is null) continue;
                    diagnostics.Report(DiagnosticDescriptors.BinaryBufferEscapes, identifier.GetLocation(), parameter.Name, escape.Value.What, message.Value.Problem,
                        escape.Value.Advice ?? message.Value.Advice);
                }
            }
        }
    }

    /// <summary>What a received message parameter is, for the message: its problem and the usual advice.</summary>
    private static (bool IsBuffer, string Problem, string Advice)? Describe(ITypeSymbol type, CallbackKind kind, string parameter, string callback,
        KnownTypeSymbols known)
    {
        if (kind == CallbackKind.Binary && known.IsReadOnlyMemoryOfByte(type))
        {
            return (true, DiagnosticDescriptors.Advice.BufferReused(callback), DiagnosticDescriptors.Advice.CopyTheBytes(parameter));
        }
        if (kind == CallbackKind.Text && known.IsReadOnlyMemoryOfByte(type))
        {
            return (true, DiagnosticDescriptors.Advice.BufferReused(callback), DiagnosticDescriptors.Advice.TakeTextOrCopyTheBytes(parameter));
        }
        if (kind == CallbackKind.Binary && KnownTypeSymbols.Is(type, known.Stream))
        {
            return (false, DiagnosticDescriptors.Advice.StreamEnds(callback), DiagnosticDescriptors.Advice.ReadBeforeReturning(callback));
        }
        if (kind == CallbackKind.Text && KnownTypeSymbols.Is(type, known.TextReader))
        {
            return (false, DiagnosticDescriptors.Advice.ReaderEnds(callback), DiagnosticDescriptors.Advice.ReadBeforeReturning(callback));
        }
        return null;
    }

    private static (string What, string? Advice)? DescribeEscape(IdentifierNameSyntax identifier, SyntaxNode body, SemanticModel model, bool isBuffer,
        string parameter, string callback, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        for (var node = identifier.Parent; node is not null && node != body; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return (DiagnosticDescriptors.Advice.CapturedByALambda, null);
        }
        if (identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Right == identifier)
        {
            var target = model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol;
            if (target is IFieldSymbol or IPropertySymbol) return (DiagnosticDescriptors.Advice.StoredIn(target.Name), null);
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
        var outbox = KnownTypeSymbols.IsConstructedFrom(method.ContainingType, known.ChannelWriterOfT)
                     && KnownTypeSymbols.Is(method.ContainingType.TypeArguments[0], known.Message);
        if (isBuffer && (method.Name is "TrySendBinary" || (outbox && method.Name is "TryWrite" or "WriteAsync")) && IsArgument(identifier))
        {
            return (DiagnosticDescriptors.Advice.QueuedBy(method.Name), DiagnosticDescriptors.Advice.AwaitTheSend(parameter));
        }
        if (System.Array.IndexOf(s_storingMethods, method.Name) >= 0 && IsArgument(identifier))
        {
            return (DiagnosticDescriptors.Advice.KeptBy(receiver, method.Name), null);
        }
        if (known.IsAwaitable(method.ReturnType) && !IsAwaited(invocation))
        {
            return (DiagnosticDescriptors.Advice.NotAwaited(method.Name), DiagnosticDescriptors.Advice.AwaitIt(callback));
        }
        return null;
    }

    private static bool IsArgument(IdentifierNameSyntax identifier) => identifier.Parent is ArgumentSyntax;

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
