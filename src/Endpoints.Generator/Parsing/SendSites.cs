using System;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Checks each typed send (<c>connection.SendAsync(message)</c> / <c>TrySend</c> / <c>RequestAsync</c> in an endpoint class, and
/// <c>IWebSocketTarget&lt;TEndpoint&gt;.SendAsync(message)</c> anywhere) against the endpoint's declared Sends (WS0056).
/// </summary>
internal static class SendSites
{
    public static bool IsCandidate(SyntaxNode node, CancellationToken _)
        => node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "SendAsync" or "TrySend" or "RequestAsync" }, ArgumentList.Arguments.Count: > 0 };

    public static Diagnostic? Check(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { IsGenericMethod: true } method) return null;
        var message = method.TypeArguments[0];
        if (message is ITypeParameterSymbol || message.TypeKind == TypeKind.Error) return null;

        var known = KnownTypeSymbols.For(context.SemanticModel.Compilation);
        INamedTypeSymbol? endpoint;
        var declaring = method.ContainingType;
        if (KnownTypeSymbols.IsConstructedFrom(declaring, known.TargetOfT))
        {
            endpoint = declaring.TypeArguments[0] as INamedTypeSymbol;
        }
        else if (KnownTypeSymbols.Is(declaring, known.Connection))
        {
            // A connection's endpoint is known inside the endpoint class itself.
            var enclosing = invocation.Ancestors().OfType<ClassDeclarationSyntax>().FirstOrDefault();
            endpoint = enclosing is null ? null : context.SemanticModel.GetDeclaredSymbol(enclosing, cancellationToken) as INamedTypeSymbol;
        }
        else
        {
            return null;
        }
        if (endpoint is null) return null;
        var attribute = endpoint.GetAttributes().FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, known.EndpointAttribute));
        if (attribute is null) return null;

        var sends = attribute.NamedArguments.FirstOrDefault(static a => a.Key == "Sends").Value;
        if (sends.Kind == TypedConstantKind.Array && !sends.IsNull
            && sends.Values.Any(v => v.Value is ITypeSymbol declared && SymbolEqualityComparer.Default.Equals(declared, message.WithNullableAnnotation(NullableAnnotation.None)))) return null;

        // A type that cannot be a typed message (WS0054) is not advised into Sends: text goes by SendTextAsync, the rest says why.
        var display = Symbols.Display(message);
        var advice = message.SpecialType == SpecialType.System_String ? DiagnosticDescriptors.Advice.SendText
            : TypedMessageParser.Problem(message, known) is { } problem ? DiagnosticDescriptors.Advice.CannotBeAMessage(problem)
            : DiagnosticDescriptors.Advice.AddToSends(display);
        var location = invocation.ArgumentList.Arguments[0].GetLocation();
        return Diagnostic.Create(DiagnosticDescriptors.UndeclaredSendType, location, display, endpoint.Name, advice);
    }
}
