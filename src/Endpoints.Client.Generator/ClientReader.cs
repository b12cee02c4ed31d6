using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Endpoints.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Client.Generator;

/// <summary>
/// Reads one <c>[WebSocketClient(typeof(E))]</c> class into a <see cref="ClientSpec"/>: the class's shape, the endpoint's
/// contract (read by the endpoint generator's own parser, from source or from metadata), and the JSON context the
/// client's messages go through. Every mistake is a diagnostic at the place to change, and no code.
/// </summary>
internal static class ClientReader
{
    public const string ClientAttribute = "Endpoints.Client.WebSocketClientAttribute";
    public const string BaseClass = "Endpoints.Client.TypedEndpointsClient";

    private static readonly ClientParseResult s_nothing = new(null, ImmutableArray<Diagnostic>.Empty);

    // The names the generated methods take besides the address values.
    private static readonly HashSet<string> s_taken = new(StringComparer.Ordinal) { "server", "options", "cancellationToken", "client" };

    public static ClientParseResult Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var attribute = context.Attributes[0];
        // Half-typed: the compiler says what is missing.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol endpoint
            || context.TargetSymbol is not INamedTypeSymbol client) return s_nothing;
        var compilation = context.SemanticModel.Compilation;
        var diagnostics = new DiagnosticList();
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var endpointLocation = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null && a.NameColon is null)?.Expression.GetLocation();
        var contextArgument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "JsonContext")?.Expression.GetLocation();
        var clientName = client.Name;

        var shapeOk = CheckShape(client, context.TargetNode, compilation, diagnostics, cancellationToken);

        var known = KnownTypeSymbols.For(compilation);
        var parsed = known.EndpointAttribute is { } endpointAttribute && endpoint.TypeKind != TypeKind.Error
            ? EndpointParser.ReadContract(endpoint, endpointAttribute, compilation, cancellationToken)
            : null;
        if (parsed is null)
        {
            if (endpoint.TypeKind != TypeKind.Error)
            {
                diagnostics.Report(DiagnosticDescriptors.ClientOfNotAnEndpoint, endpointLocation, Symbols.Display(endpoint), clientName);
            }
            return new ClientParseResult(null, diagnostics.ToImmutableArray());
        }
        if (parsed.Spec is not { } spec || parsed.Contract is not { } contract)
        {
            // Half-typed attribute: nothing to say. An endpoint of this project has its errors reported where they are; one
            // read from metadata compiled, so this project lacks something it names.
            if (!parsed.Equals(EndpointParseResult.Nothing))
            {
                var reason = endpoint.Locations.Any(static l => l.IsInSource)
                    ? DiagnosticDescriptors.Advice.EndpointHasErrors
                    : parsed.Diagnostics.FirstOrDefault(static d => d.Severity == DiagnosticSeverity.Error)?.GetMessage() ?? DiagnosticDescriptors.Advice.ContractHasUnresolvedTypes;
                diagnostics.Report(DiagnosticDescriptors.ClientContractUnreadable, endpointLocation, Symbols.Display(endpoint), reason, clientName);
            }
            return new ClientParseResult(null, diagnostics.ToImmutableArray());
        }

        string? jsonContext = null;
        if (spec.Typed is { } typed)
        {
            jsonContext = ChooseContext(client, endpoint, attribute, typed, known, compilation, endpointLocation, contextArgument, diagnostics, cancellationToken);
        }
        if (!shapeOk || diagnostics.HasErrors) return new ClientParseResult(null, diagnostics.ToImmutableArray());

        var clientSpec = new ClientSpec(
            HintName: Symbols.FullName(client).Substring("global::".Length) + ".WebSocketClient.g.cs",
            Namespace: client.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            Containers: Containers(client).Select(Declaration).ToEquatableArray(),
            ClassName: client.Name,
            EndpointTypeName: spec.TypeName,
            Pattern: contract.Pattern,
            Address: contract.Address,
            Parameters: Parameters(contract),
            SubProtocols: contract.SubProtocols,
            SendsText: contract.ReceivesText,
            SendsBinary: contract.ReceivesBinary,
            TypeProperty: spec.Typed?.TypeProperty ?? "type",
            Context: jsonContext,
            Sends: EquatableArray<ClientMessageSpec>.Empty,
            Receives: EquatableArray<ClientMessageSpec>.Empty);
        if (spec.Typed is { } messages) clientSpec = WithMessages(clientSpec, messages);
        return new ClientParseResult(clientSpec, diagnostics.ToImmutableArray());
    }

    /// <summary>WS0091 when the generator cannot write the class's other half.</summary>
    private static bool CheckShape(INamedTypeSymbol client, SyntaxNode node, Compilation compilation, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var name = client.Name;
        string? what = null, advice = null;
        var location = SyntaxLocations.Name(client);
        if (client.IsRecord)
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientIsRecord, DiagnosticDescriptors.Advice.DeclareClientClass(name));
        }
        else if (node is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientIsNotPartial, DiagnosticDescriptors.Advice.DeclareClientPartial(name));
            location = declaration.Identifier.GetLocation();
        }
        else if (client.IsStatic)
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientIsStatic, DiagnosticDescriptors.Advice.RemoveStaticFromClient);
            location = SyntaxLocations.Modifier(client, SyntaxKind.StaticKeyword, cancellationToken);
        }
        else if (client.TypeParameters.Length > 0)
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientIsGeneric, DiagnosticDescriptors.Advice.RemoveClientTypeParameters);
            location = SyntaxLocations.TypeParameters(client, cancellationToken);
        }
        else if (client.BaseType is { SpecialType: not SpecialType.System_Object } baseType
                 && !SymbolEqualityComparer.Default.Equals(baseType, compilation.GetTypeByMetadataName(BaseClass)))
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientDerivesFrom(Symbols.Display(baseType)), DiagnosticDescriptors.Advice.RemoveClientBase);
        }
        else if (Containers(client).FirstOrDefault(static c => !IsPartial(c)) is { } outer)
        {
            (what, advice) = (DiagnosticDescriptors.Advice.ClientNestedInNonPartial(outer.Name), DiagnosticDescriptors.Advice.MakeContainerPartial(outer.Name));
            location = SyntaxLocations.Name(outer);
        }
        if (what is null) return true;
        diagnostics.Report(DiagnosticDescriptors.ClientNotPartial, location, name, what, advice!);
        return false;
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.All(static r => r.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static List<INamedTypeSymbol> Containers(INamedTypeSymbol type)
    {
        var containers = new List<INamedTypeSymbol>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) containers.Insert(0, outer);
        return containers;
    }

    private static string Declaration(INamedTypeSymbol type)
    {
        var keyword = type.TypeKind switch
        {
            TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => type.IsRecord ? "record" : "class",
        };
        return "partial " + keyword + " " + type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
    }

    /// <summary>The route values in order, then the query values no route value takes; required before optional (C# wants it so).</summary>
    private static EquatableArray<AddressValueSpec> Parameters(EndpointContract contract)
    {
        var values = new List<AddressValueSpec>();
        var names = new HashSet<string>(s_taken, StringComparer.Ordinal);
        // A catch-all matches an empty rest of the path too: it may be left out.
        foreach (var route in contract.RouteParameters)
        {
            values.Add(new AddressValueSpec(route.Name, ParameterName(route.Name, names), ValueType(route.TypeName), false, route.Optional || route.CatchAll, route.CatchAll));
        }
        foreach (var query in contract.RequestValues)
        {
            if (query.Source != RequestValueSource.Query || contract.RouteParameters.Any(r => string.Equals(r.Name, query.Key, StringComparison.OrdinalIgnoreCase))) continue;
            values.Add(new AddressValueSpec(query.Key, ParameterName(query.Key, names), ValueType(query.TypeName), true, query.Optional, false));
        }
        return values.Where(static v => !v.Optional).Concat(values.Where(static v => v.Optional)).ToEquatableArray();
    }

    /// <summary>The type a value is bound to (sent as its invariant text), without '?'; text when it is not bound.</summary>
    private static string ValueType(string? typeName)
    {
        if (typeName is null || typeName.Length == 0) return "string";
        return typeName.EndsWith("?", StringComparison.Ordinal) ? typeName.Substring(0, typeName.Length - 1) : typeName;
    }

    private static string ParameterName(string key, HashSet<string> taken)
    {
        var name = CSharpText.Identifier(key);
        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None) name = "@" + name;
        while (!taken.Add(name)) name += "Value";
        return name;
    }

    /// <summary>
    /// The context the client's messages go through: the one the attribute names; else the endpoint's (named on its
    /// attribute, or its assembly's context covering most of its types) when this class can use it; else one of this
    /// project's that covers every type. WS0092 when there is none; WS0094 when it names properties unlike the endpoint's.
    /// </summary>
    private static string? ChooseContext(INamedTypeSymbol client, INamedTypeSymbol endpoint, AttributeData attribute, TypedMessagesSpec typed, KnownTypeSymbols known,
        Compilation compilation, Location? endpointLocation, Location? contextLocation, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var types = typed.TypeNames.ToList();
        var endpointContext = EndpointContext(endpoint, typed, types, known, cancellationToken);
        INamedTypeSymbol? chosen = null;
        var named = attribute.NamedArguments.FirstOrDefault(static a => a.Key == "JsonContext").Value.Value as INamedTypeSymbol;
        if (named is not null)
        {
            var missing = types.Where(t => !Covered(named, known).Contains(t)).ToList();
            if (missing.Count > 0)
            {
                var list = TypeList(missing);
                diagnostics.Report(DiagnosticDescriptors.ClientJsonContextMissing, contextLocation ?? endpointLocation,
                    DiagnosticDescriptors.Advice.NamedContextMissesTypes(Symbols.Display(named), list), DiagnosticDescriptors.Advice.AddToClientContext(Symbols.Display(named), list));
                return null;
            }
            chosen = named;
        }
        else if (endpointContext is not null && compilation.IsSymbolAccessibleWithin(endpointContext, client) && types.All(Covered(endpointContext, known).Contains))
        {
            chosen = endpointContext;
        }
        else
        {
            chosen = Contexts(compilation.Assembly.GlobalNamespace, known, cancellationToken)
                .Where(c => compilation.IsSymbolAccessibleWithin(c, client) && types.All(Covered(c, known).Contains))
                .OrderBy(static c => Symbols.FullName(c), StringComparer.Ordinal)
                .FirstOrDefault();
            if (chosen is null)
            {
                var list = TypeList(types);
                diagnostics.Report(DiagnosticDescriptors.ClientJsonContextMissing, endpointLocation,
                    DiagnosticDescriptors.Advice.NoUsableContext(Symbols.Display(endpoint), list), DiagnosticDescriptors.Advice.DeclareClientContext(list));
                return null;
            }
        }

        if (endpointContext is not null && !SymbolEqualityComparer.Default.Equals(chosen, endpointContext))
        {
            var ours = JsonNames.ReadOptions(chosen, known).Policy;
            var theirs = JsonNames.ReadOptions(endpointContext, known).Policy;
            if (ours != theirs)
            {
                diagnostics.Report(DiagnosticDescriptors.ClientJsonNamesDiffer, contextLocation ?? endpointLocation, Symbols.Display(chosen),
                    DiagnosticDescriptors.Advice.NamesWritten(ours), Symbols.Display(endpointContext), DiagnosticDescriptors.Advice.NamesWritten(theirs));
            }
        }
        return Symbols.FullName(chosen);
    }

    /// <summary>The endpoint's context: named on its attribute, else its assembly's context covering most of its types (as its generator chose).</summary>
    private static INamedTypeSymbol? EndpointContext(INamedTypeSymbol endpoint, TypedMessagesSpec typed, List<string> types, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        if (typed.ContextNamed)
        {
            foreach (var attribute in endpoint.GetAttributes())
            {
                if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.EndpointAttribute)) continue;
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "JsonContext" && argument.Value.Value is INamedTypeSymbol named) return named;
                }
            }
            return null;
        }
        return Contexts(endpoint.ContainingAssembly.GlobalNamespace, known, cancellationToken)
            .OrderByDescending(c => types.Count(Covered(c, known).Contains))
            .ThenBy(static c => Symbols.FullName(c), StringComparer.Ordinal)
            .FirstOrDefault(c => types.Any(Covered(c, known).Contains));
    }

    /// <summary>Every JsonSerializerContext of a namespace, nested types included.</summary>
    private static IEnumerable<INamedTypeSymbol> Contexts(INamespaceSymbol root, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = pending.Pop();
            foreach (var member in current.GetMembers())
            {
                if (member is INamespaceSymbol ns) pending.Push(ns);
                else if (member is INamedTypeSymbol type)
                {
                    if (type.TypeKind == TypeKind.Class && KnownTypeSymbols.DerivesFrom(type, known.JsonSerializerContext)) yield return type;
                    if (type.GetTypeMembers().Length > 0) pending.Push(type);
                }
            }
        }
    }

    /// <summary>The types a context's [JsonSerializable] attributes name, <c>global::</c>-qualified.</summary>
    private static HashSet<string> Covered(INamedTypeSymbol context, KnownTypeSymbols known)
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        if (!KnownTypeSymbols.DerivesFrom(context, known.JsonSerializerContext)) return covered;
        foreach (var attribute in context.GetAttributes())
        {
            if (attribute.AttributeClass?.Name != "JsonSerializableAttribute") continue;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol type) covered.Add(Symbols.FullName(type));
        }
        return covered;
    }

    private static string TypeList(IEnumerable<string> types) => string.Join(", ", types.Select(static t => "'" + (t.StartsWith("global::", StringComparison.Ordinal) ? t.Substring(8) : t) + "'"));

    /// <summary>The message types: what the client sends (the endpoint's OnMessage types) and receives (its Sends), each with a field and a member name of its own.</summary>
    private static ClientSpec WithMessages(ClientSpec spec, TypedMessagesSpec typed)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var members = new HashSet<string>(StringComparer.Ordinal);
        string Field(MessageTypeSpec type)
        {
            if (fields.TryGetValue(type.TypeName, out var field)) return field;
            field = "s_" + type.Identifier;
            while (fields.ContainsValue(field)) field += "_";
            fields[type.TypeName] = field;
            return field;
        }
        string Member(MessageTypeSpec type)
        {
            var member = type.Identifier;
            while (!members.Add(member)) member += "_";
            return member;
        }
        var severalIn = typed.Received.Count > 1;
        var sends = typed.Received.Select(r => new ClientMessageSpec(r.Type.TypeName, Field(r.Type), r.Type.Identifier, severalIn ? r.Type.WireName : null,
            r.Reply?.TypeName, r.Reply is null ? null : Field(r.Reply))).ToEquatableArray();
        var severalOut = typed.Sent.Count > 1;
        var receives = typed.Sent.Select(s => new ClientMessageSpec(s.TypeName, Field(s), Member(s), severalOut ? s.WireName : null)).ToEquatableArray();
        return spec with { Sends = sends, Receives = receives };
    }
}
