using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// WS0080 and WS0081: what the contract needs of the typed messages' shapes. WS0054 checks the message types
/// themselves; this walks the properties System.Text.Json writes (as <see cref="ContractReader"/> reads them), their
/// items and their types' properties. WS0080: a value JSON cannot carry (a delegate, a pointer, a handle, a
/// System.Type, a stream), or one JSON cannot create in a received message (an interface or abstract class without
/// [JsonDerivedType]); the runtime would throw. WS0081: a [JsonConverter] of the user's, whose JSON the contract cannot
/// see. <c>object</c>, JsonElement and JsonNode are any JSON on purpose and stay silent. Located on the property, or,
/// for a property of another assembly, where the message type is named.
/// </summary>
internal static class ContractShapeCheck
{
    private const int MaxTypes = 256;

    public static void Run(TypedMessagesSpec typed, IReadOnlyList<MessageTypeUse> uses, IReadOnlyDictionary<string, ITypeSymbol> types, KnownTypeSymbols known,
        DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var walk = new Walk(known, diagnostics, cancellationToken);
        foreach (var use in uses)
        {
            if (!types.TryGetValue(use.TypeName, out var type) || type is not INamedTypeSymbol named) continue;
            var received = typed.Received.Any(r => r.Type.TypeName == use.TypeName);
            walk.Message(named, use.Location, received);
        }
    }

    private sealed class Walk(KnownTypeSymbols known, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        // A type is walked once as sent and once as received (reading asks more of it).
        private readonly HashSet<(string, bool)> _seen = new();
        private readonly HashSet<Location> _reported = new();

        public void Message(INamedTypeSymbol type, Location? named, bool received)
        {
            if (Converter(type) is { } converter)
            {
                Report(DiagnosticDescriptors.CustomConverter, named, DiagnosticDescriptors.Advice.TheType(Symbols.Display(type)), Symbols.Display(converter),
                    DiagnosticDescriptors.Advice.RemoveConverterFromType(Symbols.Display(converter), Symbols.Display(type)));
                return;
            }
            Object(type, named, received);
        }

        private void Object(INamedTypeSymbol type, Location? named, bool received)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_seen.Count >= MaxTypes || !_seen.Add((Symbols.FullName(type), received))) return;
            var names = new HashSet<string>(StringComparer.Ordinal);
            var display = Symbols.Display(type.WithNullableAnnotation(NullableAnnotation.None));
            for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol) continue;
                    var attributes = member.GetAttributes();
                    var included = attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonInclude));
                    var memberType = member switch
                    {
                        IPropertySymbol { IsIndexer: false } read
                            when included || (read.DeclaredAccessibility == Accessibility.Public && read.GetMethod?.DeclaredAccessibility == Accessibility.Public)
                            => read.Type,
                        IFieldSymbol { IsConst: false } field when included => field.Type,
                        _ => null,
                    };
                    if (memberType is null || !names.Add(member.Name) || memberType.IsRefLikeType) continue;
                    if (attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonExtensionData) || IsAlwaysIgnored(a))) continue;
                    var location = member.Locations.FirstOrDefault(static l => l.IsInSource) ?? named;
                    var property = DiagnosticDescriptors.Advice.TheProperty(member.Name, display);
                    if (attributes.FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonConverterAttribute)) is { } attribute)
                    {
                        var converter = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as ITypeSymbol : null;
                        if (IsStringEnum(Item(memberType), converter)) continue;
                        Report(DiagnosticDescriptors.CustomConverter, location, property, converter is null ? "?" : Symbols.Display(converter),
                            DiagnosticDescriptors.Advice.RemoveConverterFromProperty(converter is null ? "…" : Symbols.Display(converter), Symbols.Display(memberType.WithNullableAnnotation(NullableAnnotation.None))));
                        continue;
                    }
                    Value(Item(memberType), property, location, received);
                }
            }
        }

        private void Value(ITypeSymbol type, string property, Location? location, bool received)
        {
            var display = Symbols.Display(type.WithNullableAnnotation(NullableAnnotation.None));
            if (Unsupported(type) is var (what, advice))
            {
                Report(DiagnosticDescriptors.PropertyNotJson, location, property, display, what, DiagnosticDescriptors.Advice.ThrowsWhenWrittenOrRead, advice);
                return;
            }
            if (type.SpecialType == SpecialType.System_Object || SchemaPrimitives.For(Symbols.FullName(type)) is not null) return;
            if (type is not INamedTypeSymbol named) return;
            if (Converter(named) is { } converter)
            {
                Report(DiagnosticDescriptors.CustomConverter, location, property, Symbols.Display(converter),
                    DiagnosticDescriptors.Advice.RemoveConverterFromType(Symbols.Display(converter), display));
                return;
            }
            if (named.TypeKind == TypeKind.Enum || IsCollection(named)) return;
            if (received && (named.TypeKind == TypeKind.Interface || named.IsAbstract) && !IsPolymorphic(named))
            {
                Report(DiagnosticDescriptors.PropertyNotJson, location, property, display,
                    named.TypeKind == TypeKind.Interface ? DiagnosticDescriptors.Advice.InterfaceValue : DiagnosticDescriptors.Advice.AbstractValue,
                    DiagnosticDescriptors.Advice.ThrowsWhenRead, DiagnosticDescriptors.Advice.ConcreteOrDerivedTypes(display));
                return;
            }
            if (named.TypeKind is TypeKind.Class or TypeKind.Struct or TypeKind.Interface) Object(named, location, received);
        }

        /// <summary>What a collection, array or nullable holds, down to the value itself.</summary>
        private ITypeSymbol Item(ITypeSymbol type)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                if (Symbols.IsNullableValueType(type, out var underlying)) type = underlying!;
                else if (type is IArrayTypeSymbol array) type = array.ElementType;
                else if (type is INamedTypeSymbol named && Element(named) is { } element) type = element;
                else break;
            }
            return type;
        }

        private ITypeSymbol? Element(INamedTypeSymbol type)
        {
            if (SchemaPrimitives.For(Symbols.FullName(type)) is not null) return null;
            if (KnownTypeSymbols.IsConstructedFrom(type, known.MemoryOfT) || KnownTypeSymbols.IsConstructedFrom(type, known.ReadOnlyMemoryOfT)) return type.TypeArguments[0];
            if ((Interface(type, known.DictionaryOfKV) ?? Interface(type, known.ReadOnlyDictionaryOfKV)) is { } dictionary) return dictionary.TypeArguments[1];
            var enumerable = type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
                ? type
                : type.AllInterfaces.FirstOrDefault(static i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
            return enumerable?.TypeArguments[0];
        }

        private static bool IsCollection(INamedTypeSymbol type)
            => type.SpecialType == SpecialType.System_Collections_IEnumerable || type.AllInterfaces.Any(static i => i.SpecialType == SpecialType.System_Collections_IEnumerable);

        private static INamedTypeSymbol? Interface(INamedTypeSymbol type, INamedTypeSymbol? definition)
        {
            if (definition is null) return null;
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition)) return type;
            return type.AllInterfaces.FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, definition));
        }

        /// <summary>Why JSON cannot carry a value of the type, and what to do, or null.</summary>
        private (string What, string Advice)? Unsupported(ITypeSymbol type) => type switch
        {
            IPointerTypeSymbol or IFunctionPointerTypeSymbol => (DiagnosticDescriptors.Advice.APointer, DiagnosticDescriptors.Advice.IgnoreIt),
            INamedTypeSymbol { TypeKind: TypeKind.Delegate } => (DiagnosticDescriptors.Advice.ADelegate, DiagnosticDescriptors.Advice.IgnoreIt),
            { SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr } => (DiagnosticDescriptors.Advice.AHandle, DiagnosticDescriptors.Advice.IgnoreIt),
            _ when Symbols.FullName(type) == "global::System.Type" => (DiagnosticDescriptors.Advice.ASystemType, DiagnosticDescriptors.Advice.SendTheTypeName),
            _ when KnownTypeSymbols.IsOrDerivesFrom(type, known.Stream) => (DiagnosticDescriptors.Advice.AStream, DiagnosticDescriptors.Advice.SendBytes),
            _ => null,
        };

        /// <summary>The type's own [JsonConverter] unless it is the string enum converter, which the contract reads.</summary>
        private ITypeSymbol? Converter(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonConverterAttribute)) continue;
                var converter = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as ITypeSymbol : null;
                if (IsStringEnum(type, converter) || converter is null) continue;
                return converter;
            }
            return null;
        }

        private bool IsStringEnum(ITypeSymbol type, ITypeSymbol? converter) => type.TypeKind == TypeKind.Enum && known.IsStringEnumConverter(converter);

        private static bool IsPolymorphic(INamedTypeSymbol type)
            => type.GetAttributes().Any(static a => a.AttributeClass is { Name: "JsonDerivedTypeAttribute" or "JsonPolymorphicAttribute" } attribute
                                                   && attribute.ContainingNamespace.ToDisplayString() == "System.Text.Json.Serialization");

        private bool IsAlwaysIgnored(AttributeData attribute)
            => KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonIgnore) && attribute.NamedArguments.All(static a => a.Key != "Condition" || a.Value.Value is 1);

        private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        {
            // A type reached from two messages (or twice from one) is reported once per endpoint.
            if (location is not null && !_reported.Add(location)) return;
            diagnostics.Report(descriptor, location, args);
        }
    }
}
