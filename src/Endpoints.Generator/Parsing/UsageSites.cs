using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Checks calls on a connection, <c>IWebSocketClients&lt;T&gt;</c>, a target and the outbox where they are written: a
/// group change whose task is dropped in an endpoint class (WS0071), a send in an endpoint's constructor (WS0072), a
/// group or user named after a <c>UserId</c> that may be null (WS0073), and a streamed send's writer that drops a
/// write's task (WS0076). The syntax predicate keeps to invocations of these names; the transform decides.
/// </summary>
internal static class UsageSites
{
    private static readonly string[] s_names =
    {
        "JoinGroupAsync", "LeaveGroupAsync", "AddToGroupAsync", "RemoveFromGroupAsync", "Group", "GroupExcept", "User",
        "SendTextAsync", "SendBinaryAsync", "SendAsync", "TrySend", "TrySendText", "TrySendBinary", "SendBinaryStreamAsync", "SendTextStreamAsync",
        "TryWrite", "WriteAsync",
    };

    private static readonly string[] s_groupChanges = { "JoinGroupAsync", "LeaveGroupAsync", "AddToGroupAsync", "RemoveFromGroupAsync" };

    private static readonly string[] s_sends =
    {
        "SendTextAsync", "SendBinaryAsync", "SendAsync", "TrySend", "TrySendText", "TrySendBinary", "SendBinaryStreamAsync", "SendTextStreamAsync",
    };

    public static bool IsCandidate(SyntaxNode node, CancellationToken _)
        => node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: var name } }
           && Array.IndexOf(s_names, name.Identifier.ValueText) >= 0;

    public static EquatableArray<Diagnostic> Check(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        var model = context.SemanticModel;
        if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return EquatableArray<Diagnostic>.Empty;
        var known = KnownTypeSymbols.For(model.Compilation);
        var onConnection = KnownTypeSymbols.IsMemberOf(method, known.Connection);
        var onClients = KnownTypeSymbols.IsMemberOf(method, known.ClientsOfT);
        var onTarget = KnownTypeSymbols.IsMemberOf(method, known.Target);
        var onOutbox = KnownTypeSymbols.IsConstructedFrom(method.ContainingType, known.ChannelWriterOfT)
                       && KnownTypeSymbols.Is(method.ContainingType.TypeArguments[0], known.Message);
        if (!onConnection && !onClients && !onTarget && !onOutbox) return EquatableArray<Diagnostic>.Empty;

        var diagnostics = new List<Diagnostic>();
        var endpoint = EnclosingEndpoint(invocation, model, known, cancellationToken);
        var name = method.Name;

        if (endpoint is not null && (onConnection || onClients) && Array.IndexOf(s_groupChanges, name) >= 0 && IsDropped(invocation, model, cancellationToken))
        {
            var problem = name is "JoinGroupAsync" or "AddToGroupAsync" ? DiagnosticDescriptors.Advice.JoinMayMiss : DiagnosticDescriptors.Advice.LeaveMayReach;
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GroupChangeNotAwaited, invocation.GetLocation(), name, problem, AwaitAdvice(invocation)));
        }

        if (endpoint is not null && InConstructor(invocation))
        {
            string? when = null;
            if ((onConnection && Array.IndexOf(s_sends, name) >= 0) || (onOutbox && name is "TryWrite" or "WriteAsync")) when = DiagnosticDescriptors.Advice.NoConnectionYet;
            else if (onTarget && Array.IndexOf(s_sends, name) >= 0) when = DiagnosticDescriptors.Advice.NotOpenYet;
            if (when is not null) diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.SendInConstructor, invocation.GetLocation(), name, endpoint.Name, when));
        }

        if ((onConnection && name is "JoinGroupAsync" or "LeaveGroupAsync") || (onClients && name is "Group" or "GroupExcept" or "User" or "AddToGroupAsync" or "RemoveFromGroupAsync"))
        {
            if (endpoint is null || !RequiresAuthenticatedUser(endpoint, known)) CheckUserIds(invocation, name, model, known, diagnostics, cancellationToken);
        }

        if (onConnection && name is "SendBinaryStreamAsync" or "SendTextStreamAsync") CheckWriter(invocation, name, model, known, diagnostics, cancellationToken);

        return diagnostics.ToEquatableArray();
    }

    /// <summary>The endpoint class the call is written in, or null outside one.</summary>
    private static INamedTypeSymbol? EnclosingEndpoint(SyntaxNode node, SemanticModel model, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        var declaration = node.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (declaration is null || model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type) return null;
        return type.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.EndpointAttribute)) ? type : null;
    }

    /// <summary>[Authorize] (and no [AllowAnonymous]) on the class: every connection has a user.</summary>
    private static bool RequiresAuthenticatedUser(INamedTypeSymbol endpoint, KnownTypeSymbols known)
    {
        var attributes = endpoint.GetAttributes();
        return attributes.Any(a => a.AttributeClass is { } type && KnownTypeSymbols.Implements(type, known.AuthorizeData))
               && !attributes.Any(a => a.AttributeClass is { } type && KnownTypeSymbols.Implements(type, known.AllowAnonymous));
    }

    /// <summary>
    /// Code that runs while the instance is made: a constructor's body (not a lambda or local function in it, which
    /// may run later), or an instance field or property initializer.
    /// </summary>
    private static bool InConstructor(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax:
                    return false;
                case ConstructorDeclarationSyntax constructor:
                    return !constructor.Modifiers.Any(SyntaxKind.StaticKeyword);
                case FieldDeclarationSyntax field:
                    return !field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword);
                case PropertyDeclarationSyntax property:
                    return property.Initializer is not null && property.Initializer.Span.Contains(node.Span) && !property.Modifiers.Any(SyntaxKind.StaticKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }
        return false;
    }

    /// <summary>What to do about a dropped task: await it, making the enclosing method or lambda async if it is not.</summary>
    private static string AwaitAdvice(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword) ? DiagnosticDescriptors.Advice.AwaitTheCall : DiagnosticDescriptors.Advice.MakeTheLambdaAsync;
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword) ? DiagnosticDescriptors.Advice.AwaitTheCall
                        : DiagnosticDescriptors.Advice.MakeAsyncAndAwait(local.Identifier.ValueText, AsyncReturnType(local.ReturnType));
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword) ? DiagnosticDescriptors.Advice.AwaitTheCall
                        : DiagnosticDescriptors.Advice.MakeAsyncAndAwait(method.Identifier.ValueText, AsyncReturnType(method.ReturnType));
                case MemberDeclarationSyntax:
                    return DiagnosticDescriptors.Advice.AwaitTheCall;
            }
        }
        return DiagnosticDescriptors.Advice.AwaitTheCall;
    }

    /// <summary>What a method returning <paramref name="type"/> returns once async: Task for void, Task&lt;T&gt; for T, null for a task.</summary>
    private static string? AsyncReturnType(TypeSyntax type)
    {
        if (IsVoid(type)) return "Task";
        var name = type switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => "",
        };
        return name is "Task" or "ValueTask" ? null : $"Task<{type}>";
    }

    /// <summary>
    /// A call whose task nobody keeps: a statement of its own, assigned to the discard, or the body of a method or
    /// lambda that returns nothing (<c>public void OnOpen(…) =&gt; connection.JoinGroupAsync(room);</c>).
    /// </summary>
    internal static bool IsDropped(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        SyntaxNode node = invocation;
        while (node.Parent is ParenthesizedExpressionSyntax
               || (node.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } && node.Parent.Parent is InvocationExpressionSyntax))
        {
            node = node.Parent is ParenthesizedExpressionSyntax ? node.Parent : node.Parent.Parent!;
        }
        return node.Parent switch
        {
            ExpressionStatementSyntax => true,
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax } assignment
                => assignment.Right == node,
            ArrowExpressionClauseSyntax { Parent: var member } => member switch
            {
                MethodDeclarationSyntax method => IsVoid(method.ReturnType),
                LocalFunctionStatementSyntax local => IsVoid(local.ReturnType),
                ConstructorDeclarationSyntax or AccessorDeclarationSyntax { Keyword.ValueText: "set" or "init" } => true,
                _ => false,
            },
            AnonymousFunctionExpressionSyntax lambda when lambda.ExpressionBody == node
                => model.GetSymbolInfo(lambda, cancellationToken).Symbol is IMethodSymbol { ReturnsVoid: true },
            _ => false,
        };
    }

    private static bool IsVoid(TypeSyntax type) => type is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword);

    /// <summary>WS0073: the group or user argument is a UserId that may be null, or text made with one.</summary>
    private static void CheckUserIds(InvocationExpressionSyntax invocation, string method, SemanticModel model, KnownTypeSymbols known, List<Diagnostic> diagnostics,
        CancellationToken cancellationToken)
    {
        if (model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation) return;
        foreach (var argument in operation.Arguments)
        {
            if (argument.Parameter?.Name is not ("group" or "userId") || argument.ArgumentKind != ArgumentKind.Explicit) continue;
            var value = Unwrap(argument.Value.Syntax as ExpressionSyntax);
            if (value is null) continue;
            if (IsUserId(value, model, known, cancellationToken))
            {
                Report(value, DiagnosticDescriptors.Advice.WouldThrowForAnonymous(method));
                continue;
            }
            foreach (var part in TextParts(value))
            {
                if (Unwrap(part) is { } inner && IsUserId(inner, model, known, cancellationToken)) Report(inner, DiagnosticDescriptors.Advice.SameNameForAnonymous(method));
            }
        }

        void Report(ExpressionSyntax userId, string problem)
        {
            // Only where the compiler tracks nulls: without nullable analysis a checked UserId cannot be told from an unchecked one.
            if (model.GetTypeInfo(userId, cancellationToken).Nullability.FlowState != NullableFlowState.MaybeNull) return;
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UserIdMayBeNull, userId.GetLocation(), userId.ToString(), problem));
        }
    }

    /// <summary>The expressions text is made of: the holes of an interpolated string, the operands of a string concatenation.</summary>
    private static IEnumerable<ExpressionSyntax> TextParts(ExpressionSyntax text)
    {
        switch (text)
        {
            case InterpolatedStringExpressionSyntax interpolated:
                foreach (var interpolation in interpolated.Contents.OfType<InterpolationSyntax>()) yield return interpolation.Expression;
                break;
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression):
                foreach (var operand in new[] { binary.Left, binary.Right })
                {
                    if (Unwrap(operand) is BinaryExpressionSyntax nested && nested.IsKind(SyntaxKind.AddExpression))
                    {
                        foreach (var part in TextParts(nested)) yield return part;
                    }
                    else yield return operand;
                }
                break;
        }
    }

    private static ExpressionSyntax? Unwrap(ExpressionSyntax? expression)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized) expression = parenthesized.Expression;
        return expression;
    }

    private static bool IsUserId(ExpressionSyntax expression, SemanticModel model, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        if (expression is not (MemberAccessExpressionSyntax { Name.Identifier.ValueText: "UserId" } or IdentifierNameSyntax { Identifier.ValueText: "UserId" })) return false;
        if (model.GetSymbolInfo(expression, cancellationToken).Symbol is not IPropertySymbol property) return false;
        for (var current = property; current is not null; current = current.OverriddenProperty)
        {
            if (KnownTypeSymbols.Is(current.ContainingType, known.Connection)) return true;
        }
        return false;
    }

    /// <summary>WS0076: a streamed send's writer lambda that starts work on its stream or writer and drops its task.</summary>
    private static void CheckWriter(InvocationExpressionSyntax invocation, string method, SemanticModel model, KnownTypeSymbols known, List<Diagnostic> diagnostics,
        CancellationToken cancellationToken)
    {
        var writer = invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "write")
                     ?? invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon is null);
        if (writer?.Expression is not AnonymousFunctionExpressionSyntax function) return;
        var isAsync = function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
        var parameters = function switch
        {
            ParenthesizedLambdaExpressionSyntax lambda => string.Join(", ", lambda.ParameterList.Parameters.Select(static p => p.Identifier.ValueText)),
            AnonymousMethodExpressionSyntax { ParameterList: { } list } => string.Join(", ", list.Parameters.Select(static p => p.Identifier.ValueText)),
            _ => "stream, cancellationToken",
        };
        var body = (SyntaxNode?)function.Block ?? function.ExpressionBody;
        var target = function switch
        {
            ParenthesizedLambdaExpressionSyntax lambda => lambda.ParameterList.Parameters.FirstOrDefault(),
            AnonymousMethodExpressionSyntax { ParameterList: { } list } => list.Parameters.FirstOrDefault(),
            _ => null,
        };
        if (body is null || target is null || model.GetDeclaredSymbol(target, cancellationToken) is not { } stream) return;
        var calls = body.DescendantNodesAndSelf(static n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<InvocationExpressionSyntax>();
        foreach (var call in calls)
        {
            if (!IsDropped(call, model, cancellationToken)) continue;
            if (model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol started || !known.IsAwaitable(started.ReturnType)) continue;
            // Only work on the message: a call on the stream or writer, or given it. Other work the writer starts in
            // the background (a send on another channel, a log) is its own business.
            if (!call.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(id => id.Identifier.ValueText == stream.Name
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, cancellationToken).Symbol, stream))) continue;
            var advice = isAsync ? DiagnosticDescriptors.Advice.AwaitTheCall : DiagnosticDescriptors.Advice.MakeTheWriterAsync(parameters);
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.StreamWriterDropsTask, call.GetLocation(), started.Name, method, advice));
        }
    }
}
