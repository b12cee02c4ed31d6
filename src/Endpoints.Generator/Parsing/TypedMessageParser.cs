using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Reads an endpoint's typed messages: its OnMessage callbacks (one per type), OnInvalidMessage, and the attribute's
/// JsonContext, Sends and MessageTypeProperty. Whether a JsonSerializerContext covers the types is decided later,
/// across the project (<see cref="JsonCoverage"/>), because the contexts live in other files.
/// </summary>
internal static class TypedMessageParser
{
    /// <param name="uses">Where each type is named, for WS0050: kept beside the spec, not in it.</param>
    /// <param name="types">Each message type by its full name, for the AsyncAPI document's schemas (<see cref="ContractReader"/>).</param>
    public static TypedMessagesSpec? Parse(INamedTypeSymbol endpoint, AttributeData attribute, IReadOnlyList<IMethodSymbol> onMessages, IMethodSymbol? onInvalid,
        IMethodSymbol? onText, CallbackBinder binder, ITypeSymbol? stateType, KnownTypeSymbols known, DiagnosticList diagnostics, List<MessageTypeUse> uses,
        Dictionary<string, ITypeSymbol> types, CancellationToken cancellationToken)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        INamedTypeSymbol? context = null;
        var contextNamed = false;
        var typeProperty = "type";
        var sends = new List<(ITypeSymbol Type, Location? Location)>();
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "JsonContext" when named.Value.Value is INamedTypeSymbol contextType:
                    contextNamed = true;
                    if (!KnownTypeSymbols.DerivesFrom(contextType, known.JsonSerializerContext))
                    {
                        diagnostics.Report(DiagnosticDescriptors.NotAJsonContext, AttributeSettings.Argument(syntax, "JsonContext")?.GetLocation(), Symbols.Display(contextType));
                        return null;
                    }
                    context = contextType;
                    break;
                case "MessageTypeProperty" when named.Value.Value is string property:
                    if (!IsWireName(property))
                    {
                        diagnostics.Report(DiagnosticDescriptors.InvalidWireName, AttributeSettings.Argument(syntax, "MessageTypeProperty")?.GetLocation(),
                            property, DiagnosticDescriptors.Advice.TheTypeProperty);
                        return null;
                    }
                    typeProperty = property;
                    break;
                case "Sends" when named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull:
                    var argument = AttributeSettings.Argument(syntax, "Sends");
                    for (var i = 0; i < named.Value.Values.Length; i++)
                    {
                        if (named.Value.Values[i].Value is ITypeSymbol sentType) sends.Add((sentType, (AttributeSettings.Element(argument, i) ?? argument)?.GetLocation()));
                    }
                    break;
            }
        }
        if (onInvalid is not null && onMessages.Count == 0)
        {
            // Text that is none of the OnMessage types: without any, there is no such text, and OnInvalidMessage is not bound.
            diagnostics.Report(DiagnosticDescriptors.InvalidMessageWithoutMessages, SyntaxLocations.Name(onInvalid), endpoint.Name);
            onInvalid = null;
        }
        if (onMessages.Count == 0 && sends.Count == 0 && !contextNamed) return null;

        if (onText is not null && onMessages.Count > 0)
        {
            diagnostics.Report(DiagnosticDescriptors.TextAndTypedMessages, SyntaxLocations.Name(onText), endpoint.Name);
        }

        var received = new List<ReceivedMessageSpec>();
        var seen = new Dictionary<string, IParameterSymbol>(StringComparer.Ordinal);
        var wireNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var valid = true;
        foreach (var method in onMessages)
        {
            var callback = binder.BindTypedMessage(method, stateType, out var parameter, out var replyType);
            if (callback is null || parameter is null)
            {
                valid = false;
                continue;
            }
            var type = parameter.Type.WithNullableAnnotation(NullableAnnotation.None);
            var location = SyntaxLocations.ParameterType(parameter, cancellationToken);
            if (!CheckType(type, location, known, diagnostics))
            {
                valid = false;
                continue;
            }
            var fullName = Symbols.FullName(type);
            if (seen.ContainsKey(fullName))
            {
                diagnostics.Report(DiagnosticDescriptors.DuplicateMessageType, location, Symbols.Display(type));
                valid = false;
                continue;
            }
            seen[fullName] = parameter;
            if (Name(type, location, wireNames, onMessages.Count > 1, typeProperty, known, diagnostics, cancellationToken) is not { } message)
            {
                valid = false;
                continue;
            }
            types[fullName] = type;
            uses.Add(Use(type, fullName, location, onMessages.Count > 1 ? MessageRoles.Received : MessageRoles.None, typeProperty, known, cancellationToken));
            MessageTypeSpec? reply = null;
            if (replyType is not null)
            {
                // A reply is a JSON object like the messages, and its JSON context must cover it (WS0050 at the return type).
                reply = Reply(replyType.WithNullableAnnotation(NullableAnnotation.None), SyntaxLocations.ReturnType(method, cancellationToken), known, diagnostics, uses, types,
                    cancellationToken);
                if (reply is null)
                {
                    valid = false;
                    continue;
                }
            }
            received.Add(new ReceivedMessageSpec(message, callback, reply));
        }

        var sent = new List<MessageTypeSpec>();
        // The type property is written only when the endpoint sends several types.
        var sentRole = sends.Select(static s => Symbols.FullName(s.Type)).Distinct().Count() > 1 ? MessageRoles.Sent : MessageRoles.None;
        var sentNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, location) in sends)
        {
            if (!CheckType(type, location, known, diagnostics))
            {
                valid = false;
                continue;
            }
            var fullName = Symbols.FullName(type);
            if (sent.Any(s => s.TypeName == fullName)) continue;
            if (Name(type, location, sentNames, sends.Count > 1, typeProperty, known, diagnostics, cancellationToken) is not { } message)
            {
                valid = false;
                continue;
            }
            sent.Add(message);
            types[fullName] = type;
            var index = uses.FindIndex(u => u.TypeName == fullName);
            if (index < 0)
            {
                uses.Add(Use(type, fullName, location, sentRole, typeProperty, known, cancellationToken));
            }
            else if (sentRole != MessageRoles.None)
            {
                var existing = uses[index];
                uses[index] = existing.Discriminated == MessageRoles.None
                    ? Use(type, fullName, existing.Location, sentRole, typeProperty, known, cancellationToken)
                    : existing with { Discriminated = existing.Discriminated | sentRole };
            }
        }

        CallbackSpec? invalid = null;
        if (onInvalid is not null)
        {
            invalid = binder.Bind(onInvalid, CallbackKind.InvalidMessage, stateType);
            if (invalid is null) valid = false;
        }
        if (!valid) return null;
        return new TypedMessagesSpec(context is null ? null : Symbols.FullName(context), contextNamed, typeProperty,
            received.ToEquatableArray(), sent.ToEquatableArray(), invalid);
    }

    /// <summary>The reply an OnMessage returns, checked as a message type is; null after WS0054 or WS0057.</summary>
    private static MessageTypeSpec? Reply(ITypeSymbol type, Location? location, KnownTypeSymbols known, DiagnosticList diagnostics, List<MessageTypeUse> uses,
        Dictionary<string, ITypeSymbol> types, CancellationToken cancellationToken)
    {
        if (!CheckType(type, location, known, diagnostics)) return null;
        if (WireName(type, known, diagnostics, cancellationToken) is not { } wire) return null;
        var fullName = Symbols.FullName(type);
        types[fullName] = type;
        if (!uses.Any(u => u.TypeName == fullName)) uses.Add(Use(type, fullName, location, MessageRoles.None, "type", known, cancellationToken));
        return new MessageTypeSpec(fullName, CSharpText.Identifier(Symbols.Display(type)), wire);
    }

    /// <summary>Where a type is named and, when the type property meets it, those of its properties that may share that name (WS0077).</summary>
    private static MessageTypeUse Use(ITypeSymbol type, string fullName, Location? location, MessageRoles discriminated, string typeProperty,
        KnownTypeSymbols known, CancellationToken cancellationToken)
        => new(fullName, Symbols.Display(type), location, discriminated,
            discriminated == MessageRoles.None ? EquatableArray<MessagePropertyUse>.Empty : JsonNames.PropertiesNamedLike(type, typeProperty, known, cancellationToken));

    /// <summary>
    /// The type with its name on the wire, or null after WS0057 (a bad name) or WS0052 (the name is taken, when
    /// <paramref name="named"/> says several types share the type property).
    /// </summary>
    private static MessageTypeSpec? Name(ITypeSymbol type, Location? location, Dictionary<string, string> taken, bool named, string typeProperty,
        KnownTypeSymbols known, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var wire = WireName(type, known, diagnostics, cancellationToken);
        if (wire is null) return null;
        var display = Symbols.Display(type);
        if (named && taken.TryGetValue(wire, out var other))
        {
            diagnostics.Report(DiagnosticDescriptors.MessageTypeNameClash, location, other, display, wire, typeProperty);
            return null;
        }
        taken[wire] = display;
        return new MessageTypeSpec(Symbols.FullName(type), CSharpText.Identifier(display), wire);
    }

    /// <summary>A message is a JSON object: a concrete class, record or struct of the app's, closed over its type arguments.</summary>
    private static bool CheckType(ITypeSymbol type, Location? location, KnownTypeSymbols known, DiagnosticList diagnostics)
    {
        if (Problem(type, known) is not { } problem) return true;
        diagnostics.Report(DiagnosticDescriptors.InvalidMessageType, location, Symbols.Display(type), problem);
        return false;
    }

    /// <summary>Why <paramref name="type"/> cannot be a typed message (WS0054's text), or null when it can.</summary>
    internal static string? Problem(ITypeSymbol type, KnownTypeSymbols known)
    {
        string? problem = type switch
        {
            ITypeParameterSymbol => DiagnosticDescriptors.Advice.TypeParameter,
            { SpecialType: SpecialType.System_String } => DiagnosticDescriptors.Advice.StringMessage,
            { SpecialType: not SpecialType.None } => DiagnosticDescriptors.Advice.NotAJsonObject,
            INamedTypeSymbol { TypeKind: TypeKind.Interface } => DiagnosticDescriptors.Advice.InterfaceMessage,
            INamedTypeSymbol { IsAbstract: true } => DiagnosticDescriptors.Advice.AbstractMessage,
            INamedTypeSymbol { TypeKind: TypeKind.Enum } => DiagnosticDescriptors.Advice.EnumMessage,
            INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
                when named.IsUnboundGenericType || named.TypeArguments.Any(static t => t is ITypeParameterSymbol)
                => DiagnosticDescriptors.Advice.OpenGenericMessage,
            INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } => null,
            _ => DiagnosticDescriptors.Advice.NotAClassOrStruct,
        };
        if (KnownTypeSymbols.IsConstructedFrom(type, known.ListOfT)) problem ??= DiagnosticDescriptors.Advice.ListMessage;
        return problem;
    }

    /// <summary>[WebSocketMessage("name")], else the type's name in camelCase.</summary>
    private static string? WireName(ITypeSymbol type, KnownTypeSymbols known, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.MessageAttribute)) continue;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string name)
            {
                if (IsWireName(name)) return name;
                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                var location = syntax?.ArgumentList?.Arguments.FirstOrDefault()?.GetLocation() ?? syntax?.GetLocation();
                diagnostics.Report(DiagnosticDescriptors.InvalidWireName, location, name, DiagnosticDescriptors.Advice.TheType(Symbols.Display(type)));
                return null;
            }
        }
        var simple = type.Name;
        return simple.Length == 0 ? simple : char.ToLowerInvariant(simple[0]) + simple.Substring(1);
    }

    /// <summary>Written into JSON without escaping, and compared byte for byte.</summary>
    private static bool IsWireName(string name)
        => name.Length > 0 && name.All(static c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.');
}
