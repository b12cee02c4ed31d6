using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Rename;
using Microsoft.CodeAnalysis.Simplification;

namespace Endpoints.CodeFixes;

/// <summary>The mechanical fixes for Endpoints diagnostics; each is one small syntax change.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndpointCodeFixProvider)), Shared]
public sealed class EndpointCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoCallbacks.Id,
        DiagnosticDescriptors.ParameterCannotBeBound.Id,
        DiagnosticDescriptors.AsyncVoidCallback.Id,
        DiagnosticDescriptors.CallbackNameTypo.Id,
        DiagnosticDescriptors.StateTypeMismatch.Id,
        DiagnosticDescriptors.MissingMessageParameter.Id,
        DiagnosticDescriptors.UnusedRouteParameter.Id,
        DiagnosticDescriptors.ClassNotAccessible.Id,
        DiagnosticDescriptors.SeveralConstructors.Id,
        DiagnosticDescriptors.PatternWithoutLeadingSlash.Id,
        DiagnosticDescriptors.OptionalRouteValueNotNullable.Id,
        DiagnosticDescriptors.InvalidAttributeValue.Id,
        DiagnosticDescriptors.NullableStateMismatch.Id,
        DiagnosticDescriptors.WrongMessageType.Id,
        DiagnosticDescriptors.MessageTypeNotSerializable.Id,
        DiagnosticDescriptors.CallbackOnlyOnInterface.Id,
        DiagnosticDescriptors.ConnectionValueTakenTwice.Id,
        DiagnosticDescriptors.ClientsOfNotAnEndpoint.Id,
        DiagnosticDescriptors.GroupChangeNotAwaited.Id,
        DiagnosticDescriptors.StreamedLimitWithoutStream.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionProperty, out var suggestion);
            if (diagnostic.Id == "WS0019")
            {
                // One fix per constructor: the user picks which one generated code calls.
                foreach (var location in new[] { diagnostic.Location }.Concat(diagnostic.AdditionalLocations))
                {
                    var constructor = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ConstructorDeclarationSyntax>();
                    if (constructor is not null) context.RegisterCodeFix(ChooseConstructor(context.Document, constructor), diagnostic);
                }
                continue;
            }
            var action = diagnostic.Id switch
            {
                "WS0001" or "WS0030" => RenameCallback(context.Document, node, suggestion),
                "WS0006" => AsyncVoidToTask(context.Document, node),
                // WS0002 has a suggestion only where the type is certain (OnInvalidMessage's WebSocketInvalidMessage).
                "WS0002" or "WS0003" or "WS0026" or "WS0033" or "WS0036" => ChangeParameterType(context.Document, node, suggestion),
                "WS0004" => AddMessageParameter(context.Document, node, suggestion),
                "WS0024" => AddRouteParameter(context.Document, node, suggestion),
                "WS0010" => MakeAccessible(context.Document, node),
                "WS0021" or "WS0027" => ReplaceString(context.Document, node, suggestion),
                "WS0050" => AddJsonSerializable(context.Document, diagnostic),
                "WS0061" => MakeExplicitImplementationPublic(context.Document, node),
                "WS0063" => RemoveSecondParameter(context.Document, node, suggestion),
                "WS0070" => ChangeTypeArgument(context.Document, node, suggestion),
                "WS0071" => AwaitGroupChange(context.Document, node),
                "WS0074" => RemoveAttributeArgument(context.Document, node),
                _ => null,
            };
            if (action is not null) context.RegisterCodeFix(action, diagnostic);
        }
    }

    /// <summary>Adds [JsonSerializable(typeof(T))] to the context the diagnostic names (in whatever file declares it).</summary>
    private static CodeAction? AddJsonSerializable(Document document, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue("JsonContext", out var contextName) || contextName is null
            || !diagnostic.Properties.TryGetValue("MessageType", out var typeName) || typeName is null) return null;
        var contextDisplay = contextName.Substring(contextName.LastIndexOfAny(new[] { '.', '+' }) + 1);
        var typeDisplay = typeName.Substring(typeName.LastIndexOf('.') + 1);
        return CodeAction.Create($"Add [JsonSerializable(typeof({typeDisplay}))] to {contextDisplay}", async ct =>
        {
            var compilation = await document.Project.GetCompilationAsync(ct).ConfigureAwait(false);
            var context = compilation?.GetTypeByMetadataName(contextName);
            var reference = context?.DeclaringSyntaxReferences.FirstOrDefault();
            var solution = document.Project.Solution;
            if (reference is null || solution.GetDocument(reference.SyntaxTree) is not { } contextDocument) return solution;
            if (await reference.GetSyntaxAsync(ct).ConfigureAwait(false) is not ClassDeclarationSyntax declaration) return solution;
            var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.Attribute(
                        SyntaxFactory.ParseName("global::System.Text.Json.Serialization.JsonSerializable"),
                        SyntaxFactory.ParseAttributeArgumentList($"(typeof(global::{typeName.Replace('+', '.')}))"))))
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
            var updated = declaration.WithAttributeLists(declaration.AttributeLists.Add(attribute));
            var root = await contextDocument.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return solution;
            var changed = contextDocument.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
            changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false);
            changed = await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: ct).ConfigureAwait(false);
            return changed.Project.Solution;
        }, nameof(AddJsonSerializable));
    }

    /// <summary>WS0070: the type argument of IWebSocketClients&lt;T&gt; becomes the endpoint class the message names.</summary>
    private static CodeAction? ChangeTypeArgument(Document document, SyntaxNode node, string? suggestion)
    {
        if (node is not TypeSyntax type || string.IsNullOrEmpty(suggestion)) return null;
        var display = suggestion!.Substring(suggestion.LastIndexOfAny(new[] { '.', ':' }) + 1);
        return CodeAction.Create($"Use IWebSocketClients<{display}>", ct =>
        {
            var replacement = SyntaxFactory.ParseTypeName(suggestion).WithTriviaFrom(type).WithAdditionalAnnotations(Simplifier.Annotation);
            return ReplaceAndSimplify(document, type, replacement, ct);
        }, nameof(ChangeTypeArgument));
    }

    /// <summary>
    /// WS0071: awaits the group change (<c>_ = x</c> becomes <c>await x</c>), making the method async where that is
    /// mechanical: a method already async, one returning void (then Task) or a value (then Task&lt;T&gt;).
    /// </summary>
    private static CodeAction? AwaitGroupChange(Document document, SyntaxNode node)
    {
        var invocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation is null) return null;
        var function = invocation.Ancestors().FirstOrDefault(static a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax
            or AccessorDeclarationSyntax);
        TypeSyntax? newReturnType = null;
        switch (function)
        {
            case AnonymousFunctionExpressionSyntax lambda when lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword):
                break;
            case MethodDeclarationSyntax method when method.Modifiers.Any(SyntaxKind.AsyncKeyword):
                break;
            case LocalFunctionStatementSyntax local when local.Modifiers.Any(SyntaxKind.AsyncKeyword):
                break;
            case MethodDeclarationSyntax method:
                newReturnType = AsyncReturnType(method.ReturnType);
                if (newReturnType is null) return null;
                break;
            case LocalFunctionStatementSyntax local:
                newReturnType = AsyncReturnType(local.ReturnType);
                if (newReturnType is null) return null;
                break;
            default:
                return null;
        }
        return CodeAction.Create("Await it", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            // `_ = call` becomes `await call`; otherwise the call itself is awaited.
            SyntaxNode target = invocation;
            while (target.Parent is ParenthesizedExpressionSyntax) target = target.Parent;
            var discard = target.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } assignment ? assignment : null;
            var old = (SyntaxNode?)discard ?? target;
            var awaited = SyntaxFactory.AwaitExpression(invocation.WithoutTrivia()).WithTriviaFrom(old);
            var tracked = root.TrackNodes(old, function!);
            tracked = tracked.ReplaceNode(tracked.GetCurrentNode(old)!, awaited);
            if (newReturnType is not null)
            {
                var current = tracked.GetCurrentNode(function!)!;
                SyntaxNode changed = current switch
                {
                    MethodDeclarationSyntax method => method
                        .WithReturnType(newReturnType.WithTriviaFrom(method.ReturnType))
                        .WithModifiers(method.Modifiers.Add(SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space))),
                    LocalFunctionStatementSyntax local => local
                        .WithReturnType(newReturnType.WithTriviaFrom(local.ReturnType))
                        .WithModifiers(local.Modifiers.Add(SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space))),
                    _ => current,
                };
                tracked = tracked.ReplaceNode(current, changed);
            }
            var updated = document.WithSyntaxRoot(tracked);
            return (await Simplifier.ReduceAsync(updated, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false)).Project.Solution;
        }, nameof(AwaitGroupChange));
    }

    /// <summary>What a method returning <paramref name="type"/> returns once async: Task for void, Task&lt;T&gt; for T; null for a task (not mechanical).</summary>
    private static TypeSyntax? AsyncReturnType(TypeSyntax type)
    {
        if (type is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword))
        {
            return SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task").WithAdditionalAnnotations(Simplifier.Annotation);
        }
        var name = type switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => "",
        };
        if (name is "Task" or "ValueTask") return null;
        return SyntaxFactory.ParseTypeName($"global::System.Threading.Tasks.Task<{type.WithoutTrivia()}>").WithAdditionalAnnotations(Simplifier.Annotation);
    }

    /// <summary>WS0074: removes the attribute's named argument.</summary>
    private static CodeAction? RemoveAttributeArgument(Document document, SyntaxNode node)
    {
        var argument = node.FirstAncestorOrSelf<AttributeArgumentSyntax>();
        if (argument?.Parent is not AttributeArgumentListSyntax list) return null;
        var name = argument.NameEquals?.Name.Identifier.ValueText ?? "it";
        return CodeAction.Create($"Remove {name}", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            var newList = list.WithArguments(list.Arguments.Remove(argument));
            return document.WithSyntaxRoot(root.ReplaceNode(list, newList)).Project.Solution;
        }, nameof(RemoveAttributeArgument));
    }

    private static CodeAction? AsyncVoidToTask(Document document, SyntaxNode node)
    {
        var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        if (method is null) return null;
        return CodeAction.Create("Return Task instead of void", ct =>
        {
            var task = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task")
                .WithTriviaFrom(method.ReturnType)
                .WithAdditionalAnnotations(Simplifier.Annotation);
            return ReplaceAndSimplify(document, method.ReturnType, task, ct);
        }, nameof(AsyncVoidToTask));
    }

    private static CodeAction? RenameCallback(Document document, SyntaxNode node, string? suggestion)
    {
        var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        if (method is null || string.IsNullOrEmpty(suggestion)) return null;
        return CodeAction.Create($"Rename to '{suggestion}'", async ct =>
        {
            var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var symbol = model?.GetDeclaredSymbol(method, ct);
            if (symbol is null) return document.Project.Solution;
            return await Renamer.RenameSymbolAsync(document.Project.Solution, symbol, new SymbolRenameOptions(), suggestion!, ct).ConfigureAwait(false);
        }, nameof(RenameCallback));
    }

    private static CodeAction? ChangeParameterType(Document document, SyntaxNode node, string? suggestion)
    {
        var parameter = node.FirstAncestorOrSelf<ParameterSyntax>();
        if (parameter?.Type is null || string.IsNullOrEmpty(suggestion)) return null;
        var display = suggestion!.Replace("global::", "");
        return CodeAction.Create($"Change the type to '{display}'", ct =>
        {
            var type = SyntaxFactory.ParseTypeName(suggestion!).WithTriviaFrom(parameter.Type).WithAdditionalAnnotations(Simplifier.Annotation);
            return ReplaceAndSimplify(document, parameter.Type, type, ct);
        }, nameof(ChangeParameterType));
    }

    /// <summary>'void IHandler.OnText(string text)' becomes 'public void OnText(string text)', which implements the member as well.</summary>
    private static CodeAction? MakeExplicitImplementationPublic(Document document, SyntaxNode node)
    {
        var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        if (method?.ExplicitInterfaceSpecifier is null) return null; // a default interface method: moving its body is the user's choice
        return CodeAction.Create($"Make '{method.Identifier.ValueText}' a public method", ct =>
        {
            var leading = method.Modifiers.Count > 0 ? method.Modifiers[0].LeadingTrivia : method.ReturnType.GetLeadingTrivia();
            var @public = SyntaxFactory.Token(leading, SyntaxKind.PublicKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            var modifiers = method.Modifiers.Count > 0 ? method.Modifiers.Replace(method.Modifiers[0], method.Modifiers[0].WithLeadingTrivia()) : method.Modifiers;
            var updated = method
                .WithExplicitInterfaceSpecifier(null)
                .WithReturnType(method.Modifiers.Count > 0 ? method.ReturnType : method.ReturnType.WithoutLeadingTrivia())
                .WithModifiers(modifiers.Insert(0, @public));
            return ReplaceAndSimplify(document, method, updated, ct);
        }, nameof(MakeExplicitImplementationPublic));
    }

    /// <summary>Removes a second parameter for one value of the connection; its uses take the first, which has the same value.</summary>
    private static CodeAction? RemoveSecondParameter(Document document, SyntaxNode node, string? kept)
    {
        var parameter = node.FirstAncestorOrSelf<ParameterSyntax>();
        var method = parameter?.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>();
        if (parameter is null || method is null || string.IsNullOrEmpty(kept)) return null;
        return CodeAction.Create($"Remove '{parameter.Identifier.ValueText}' (use '{kept}')", async ct =>
        {
            var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (model?.GetDeclaredSymbol(parameter, ct) is not { } symbol || root is null) return document.Project.Solution;
            var uses = method.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(identifier => identifier.Identifier.ValueText == symbol.Name
                                     && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, ct).Symbol, symbol))
                .ToList();
            var updated = method.ReplaceNodes(uses, (use, _) => SyntaxFactory.IdentifierName(kept!).WithTriviaFrom(use));
            var list = updated.ParameterList;
            var removed = list.Parameters.First(p => p.Identifier.ValueText == parameter.Identifier.ValueText);
            updated = updated.WithParameterList(list.WithParameters(list.Parameters.Remove(removed)));
            return document.WithSyntaxRoot(root.ReplaceNode(method, updated)).Project.Solution;
        }, nameof(RemoveSecondParameter));
    }

    private static CodeAction? AddMessageParameter(Document document, SyntaxNode node, string? declaration)
    {
        var list = node.FirstAncestorOrSelf<ParameterListSyntax>() ?? node.FirstAncestorOrSelf<MethodDeclarationSyntax>()?.ParameterList;
        if (list is null || string.IsNullOrEmpty(declaration)) return null;
        return CodeAction.Create($"Add '{declaration}'", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            var parameter = SyntaxFactory.ParseParameterList("(" + declaration + ")").Parameters[0];
            var type = parameter.Type!.WithAdditionalAnnotations(Simplifier.Annotation);
            var newList = list.AddParameters(parameter.WithType(type));
            var changed = document.WithSyntaxRoot(root.ReplaceNode(list, newList));
            return (await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false)).Project.Solution;
        }, nameof(AddMessageParameter));
    }

    private static CodeAction ChooseConstructor(Document document, ConstructorDeclarationSyntax constructor)
    {
        var signature = constructor.Identifier.ValueText + constructor.ParameterList.ToString();
        return CodeAction.Create($"Call '{signature}' ([ActivatorUtilitiesConstructor])", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor"))))
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
            var marked = constructor.WithAttributeLists(constructor.AttributeLists.Add(attribute));
            var changed = document.WithSyntaxRoot(root.ReplaceNode(constructor, marked));
            changed = await ImportAdder.AddImportsAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false);
            changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false);
            return (await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: ct).ConfigureAwait(false)).Project.Solution;
        }, nameof(ChooseConstructor) + signature);
    }

    private static CodeAction? AddRouteParameter(Document document, SyntaxNode node, string? routeName)
    {
        var type = node.FirstAncestorOrSelf<ClassDeclarationSyntax>();
        if (type is null || string.IsNullOrEmpty(routeName)) return null;
        return CodeAction.Create($"Take '{routeName}' in OnOpen", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            var parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(routeName!))
                .WithType(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.StringKeyword)));
            var onOpen = type.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Identifier.ValueText == "OnOpen");
            SyntaxNode newType;
            if (onOpen is not null)
            {
                newType = type.ReplaceNode(onOpen, onOpen.AddParameterListParameters(parameter));
            }
            else
            {
                var method = SyntaxFactory.MethodDeclaration(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)), "OnOpen")
                    .AddModifiers(SyntaxFactory.Token(SyntaxKind.PublicKeyword))
                    .AddParameterListParameters(parameter)
                    .WithBody(SyntaxFactory.Block())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                newType = type.WithMembers(type.Members.Insert(0, method));
            }
            var document2 = document.WithSyntaxRoot(root.ReplaceNode(type, newType));
            return (await Formatter.FormatAsync(document2, Formatter.Annotation, cancellationToken: ct).ConfigureAwait(false)).Project.Solution;
        }, nameof(AddRouteParameter));
    }

    private static CodeAction? MakeAccessible(Document document, SyntaxNode node)
    {
        var type = node.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        if (type is null) return null;
        return CodeAction.Create("Make it internal", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            // The class and every type it is nested in must be visible to the rest of the assembly.
            var hidden = type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(IsHidden).ToList();
            var newRoot = root.ReplaceNodes(hidden, (_, current) => WithInternal(current));
            return document.WithSyntaxRoot(newRoot).Project.Solution;
        }, nameof(MakeAccessible));
    }

    private static CodeAction? ReplaceString(Document document, SyntaxNode node, string? suggestion)
    {
        var literal = node.DescendantNodesAndSelf().OfType<LiteralExpressionSyntax>().FirstOrDefault();
        if (literal is null || string.IsNullOrEmpty(suggestion)) return null;
        return CodeAction.Create($"Use \"{suggestion}\"", async ct =>
        {
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) return document.Project.Solution;
            var replacement = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(suggestion!)).WithTriviaFrom(literal);
            return document.WithSyntaxRoot(root.ReplaceNode(literal, replacement)).Project.Solution;
        }, nameof(ReplaceString));
    }

    // 'protected internal' is visible to the whole assembly; 'private protected' is not.
    private static bool IsHidden(TypeDeclarationSyntax type)
        => type.Modifiers.Any(m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.FileKeyword))
           || (type.Modifiers.Any(m => m.IsKind(SyntaxKind.ProtectedKeyword)) && !type.Modifiers.Any(m => m.IsKind(SyntaxKind.InternalKeyword)));

    private static TypeDeclarationSyntax WithInternal(TypeDeclarationSyntax type)
    {
        var access = type.Modifiers.Where(m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.FileKeyword)).ToList();
        var leading = access[0].LeadingTrivia;
        var modifiers = type.Modifiers;
        foreach (var modifier in access) modifiers = modifiers.Remove(modifiers.First(m => m.IsKind(modifier.Kind())));
        var @internal = SyntaxFactory.Token(leading, SyntaxKind.InternalKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return type.WithModifiers(modifiers.Insert(0, @internal));
    }

    private static async Task<Solution> ReplaceAndSimplify(Document document, SyntaxNode old, SyntaxNode replacement, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null) return document.Project.Solution;
        var changed = document.WithSyntaxRoot(root.ReplaceNode(old, replacement));
        return (await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false)).Project.Solution;
    }
}
