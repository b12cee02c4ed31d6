using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Reads what the AsyncAPI document says of a valid endpoint (<see cref="EndpointContract"/>): the address and its
/// values from the route and the spec, [Authorize] from the class, and the JSON shape of every type its typed
/// messages reach, as System.Text.Json writes them: the properties it serializes, their names before the context's
/// naming policy (which is applied with the context, later), what reading requires, nullability, enums, collections.
/// </summary>
internal static class ContractReader
{
    /// <summary>More types than this in one endpoint's messages are written as any JSON: a graph that large is a mistake, not a message.</summary>
    private const int MaxTypes = 256;

    public static EndpointContract Read(INamedTypeSymbol endpoint, EndpointSpec spec, RoutePattern route, IReadOnlyDictionary<string, ITypeSymbol> messageTypes,
        KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        var routeParameters = route.Parameters.Select(parameter =>
        {
            var bound = spec.RequestValues.FirstOrDefault(v => v.Source == RequestValueSource.Route && string.Equals(v.Key, parameter.Name, StringComparison.OrdinalIgnoreCase));
            return new RouteParameterContract(parameter.Name, parameter.IsOptional || parameter.HasDefault, parameter.IsCatchAll,
                parameter.Constraints.ToEquatableArray(), bound?.ParsedTypeName, bound?.Parse == ValueParse.Enum);
        }).ToEquatableArray();
        var requestValues = spec.RequestValues
            .Where(static v => v.Source != RequestValueSource.Route)
            .GroupBy(static v => (v.Source, v.Key))
            .Select(static g => g.First())
            .Select(static v => new RequestValueContract(v.Source, v.Key, v.ParsedTypeName, v.Parse == ValueParse.Enum, v.Optional))
            .ToEquatableArray();

        MessagesContract? messages = null;
        var types = new TypeWalk(known, cancellationToken);
        if (spec.Typed is { } typed)
        {
            messages = new MessagesContract(typed.ContextNamed ? typed.Context : null, typed.ContextNamed, typed.TypeProperty,
                typed.Received.Select(static r => new ReceivedMessageContract(r.Type, r.Reply)).ToEquatableArray(), typed.Sent);
            foreach (var name in typed.TypeNames)
            {
                if (messageTypes.TryGetValue(name, out var type)) types.Use(type);
            }
        }

        return new EndpointContract(spec.DisplayName, endpoint.Name, spec.Pattern, Address(spec.Pattern, route), routeParameters, requestValues, spec.SubProtocols,
            spec.OnText is not null, spec.OnBinary is not null, messages, Authorization(endpoint, known), types.Types.ToEquatableArray());
    }

    /// <summary>The pattern with each <c>{…}</c> written <c>{name}</c>, as an AsyncAPI channel address names its parameters.</summary>
    private static string Address(string pattern, RoutePattern route)
    {
        var address = pattern;
        foreach (var parameter in route.Parameters.OrderByDescending(static p => p.Start))
        {
            if (parameter.Start < 0 || parameter.Start + parameter.Length > address.Length || address[parameter.Start] != '{') continue;
            address = address.Substring(0, parameter.Start) + "{" + parameter.Name + "}" + address.Substring(parameter.Start + parameter.Length);
        }
        return address.StartsWith("~/", StringComparison.Ordinal) ? address.Substring(1) : address;
    }

    /// <summary>The class's [Authorize] attributes (its own and inherited ones), or null without any or with [AllowAnonymous].</summary>
    private static AuthorizationContract? Authorization(INamedTypeSymbol endpoint, KnownTypeSymbols known)
    {
        var policies = new List<string>();
        var roles = new List<string>();
        var schemes = new List<string>();
        var found = false;
        for (var current = endpoint; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var attribute in current.GetAttributes())
            {
                if (attribute.AttributeClass is not { } attributeClass) continue;
                if (KnownTypeSymbols.Implements(attributeClass, known.AllowAnonymous)) return null;
                if (!KnownTypeSymbols.Implements(attributeClass, known.AuthorizeData)) continue;
                found = true;
                if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string policy) Add(policies, policy);
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Value.Value is not string value) continue;
                    switch (named.Key)
                    {
                        case "Policy": Add(policies, value); break;
                        case "Roles": Add(roles, value); break;
                        case "AuthenticationSchemes": Add(schemes, value); break;
                    }
                }
            }
        }
        return found ? new AuthorizationContract(policies.ToEquatableArray(), roles.ToEquatableArray(), schemes.ToEquatableArray()) : null;

        static void Add(List<string> list, string value)
        {
            foreach (var part in value.Split(','))
            {
                var trimmed = part.Trim();
                if (trimmed.Length > 0 && !list.Contains(trimmed)) list.Add(trimmed);
            }
        }
    }

    /// <summary>The types a message reaches, each read once.</summary>
    private sealed class TypeWalk(KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public List<SchemaTypeSpec> Types { get; } = new();

        /// <summary>How a value of <paramref name="type"/> is written; named objects and enums are added to <see cref="Types"/>.</summary>
        public TypeUse Use(ITypeSymbol type)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Null may be written for a nullable reference, a Nullable<T>, and a reference type the code does not annotate.
            var nullable = type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            if (Symbols.IsNullableValueType(type, out var underlying))
            {
                nullable = true;
                type = underlying!;
            }
            var use = Shape(type);
            return nullable ? use with { Nullable = true } : use;
        }

        private TypeUse Shape(ITypeSymbol type)
        {
            if (SchemaPrimitives.For(Symbols.FullName(type)) is { } primitive) return primitive;
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return new TypeUse(TypeUseKind.Array, Item: Use(array.ElementType));
                case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                    return new TypeUse(TypeUseKind.Ref, Ref: Enum(enumType));
                case INamedTypeSymbol named when named.TypeKind is TypeKind.Class or TypeKind.Struct or TypeKind.Interface && !named.IsRefLikeType:
                    if (KnownTypeSymbols.IsConstructedFrom(named, known.MemoryOfT) || KnownTypeSymbols.IsConstructedFrom(named, known.ReadOnlyMemoryOfT))
                    {
                        return new TypeUse(TypeUseKind.Array, Item: Use(named.TypeArguments[0]));
                    }
                    if ((Interface(named, known.DictionaryOfKV) ?? Interface(named, known.ReadOnlyDictionaryOfKV)) is { } dictionary)
                    {
                        return new TypeUse(TypeUseKind.Map, Item: Use(dictionary.TypeArguments[1]));
                    }
                    if (Enumerable(named) is { } enumerable)
                    {
                        return new TypeUse(TypeUseKind.Array, Item: Use(enumerable.TypeArguments[0]));
                    }
                    if (named.SpecialType == SpecialType.System_Collections_IEnumerable
                        || named.AllInterfaces.Any(static i => i.SpecialType == SpecialType.System_Collections_IEnumerable))
                    {
                        return new TypeUse(TypeUseKind.Array, Item: new TypeUse(TypeUseKind.Any));
                    }
                    return Object(named) is { } id ? new TypeUse(TypeUseKind.Ref, Ref: id) : new TypeUse(TypeUseKind.Any);
                default:
                    // Type parameters, pointers, delegates, ref structs, unresolved types: nothing honest can be said.
                    return new TypeUse(TypeUseKind.Any);
            }
        }

        private static INamedTypeSymbol? Interface(INamedTypeSymbol type, INamedTypeSymbol? definition)
        {
            if (definition is null) return null;
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition)) return type;
            return type.AllInterfaces.FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, definition));
        }

        private static INamedTypeSymbol? Enumerable(INamedTypeSymbol type)
            => type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
                ? type
                : type.AllInterfaces.FirstOrDefault(static i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);

        private static string Id(ITypeSymbol type) => Symbols.FullName(type).Replace("global::", "");

        private string Enum(INamedTypeSymbol type)
        {
            var id = Id(type);
            if (_index.ContainsKey(id)) return id;
            var members = type.GetMembers().OfType<IFieldSymbol>()
                .Where(static f => f.IsStatic && f.HasConstantValue)
                .Select(f => new EnumMemberSpec(f.Name, ExplicitName(f, known.JsonStringEnumMemberName),
                    System.Convert.ToString(f.ConstantValue, CultureInfo.InvariantCulture) ?? "0"))
                .ToEquatableArray();
            var attributes = type.GetAttributes();
            var stringEnum = attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonConverterAttribute) && SingleType(a) is { } converter
                && known.IsStringEnumConverter(converter));
            var flags = attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.Flags));
            Add(id, new SchemaTypeSpec(id, Symbols.Display(type), SchemaTypeKind.Enum, EquatableArray<SchemaPropertySpec>.Empty, members, stringEnum, flags));
            return id;
        }

        /// <summary>The type's id once it is in <see cref="Types"/>, or null when there are too many types already.</summary>
        private string? Object(INamedTypeSymbol type)
        {
            var id = Id(type);
            if (_index.ContainsKey(id)) return id;
            if (Types.Count >= MaxTypes) return null;
            var display = Symbols.Display(type);
            if (type.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonConverterAttribute)))
            {
                Add(id, new SchemaTypeSpec(id, display, SchemaTypeKind.Custom, EquatableArray<SchemaPropertySpec>.Empty, EquatableArray<EnumMemberSpec>.Empty));
                return id;
            }
            // Taken before its properties are read, so that a type that contains itself refers to itself.
            Add(id, new SchemaTypeSpec(id, display, SchemaTypeKind.Object, EquatableArray<SchemaPropertySpec>.Empty, EquatableArray<EnumMemberSpec>.Empty));
            var constructor = Constructor(type);
            var setsRequired = constructor is not null && constructor.GetAttributes().Any(static a => a.AttributeClass?.Name == "SetsRequiredMembersAttribute");
            var properties = Properties(type, constructor);
            Types[_index[id]] = new SchemaTypeSpec(id, display, SchemaTypeKind.Object, properties, EquatableArray<EnumMemberSpec>.Empty, SetsRequiredMembers: setsRequired);
            return id;
        }

        private void Add(string id, SchemaTypeSpec spec)
        {
            _index[id] = Types.Count;
            Types.Add(spec);
        }

        /// <summary>
        /// The properties System.Text.Json writes: public instance properties with a public getter and fields or
        /// properties with [JsonInclude], not [JsonIgnore] (always) nor [JsonExtensionData]; base types' first, a
        /// member hidden or overridden nearer the type counted once; then by [JsonPropertyOrder].
        /// </summary>
        private EquatableArray<SchemaPropertySpec> Properties(INamedTypeSymbol type, IMethodSymbol? constructor)
        {
            var levels = new List<List<SchemaPropertySpec>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
            {
                var level = new List<SchemaPropertySpec>();
                foreach (var member in current.GetMembers())
                {
                    if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol) continue;
                    var attributes = member.GetAttributes();
                    var included = attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonInclude));
                    ITypeSymbol memberType;
                    bool required;
                    switch (member)
                    {
                        case IPropertySymbol { IsIndexer: false } property
                            when included || (property.DeclaredAccessibility == Accessibility.Public && property.GetMethod?.DeclaredAccessibility == Accessibility.Public):
                            memberType = property.Type;
                            required = property.IsRequired;
                            break;
                        case IFieldSymbol { IsConst: false } field when included:
                            memberType = field.Type;
                            required = field.IsRequired;
                            break;
                        default:
                            continue;
                    }
                    if (!seen.Add(member.Name) || memberType.IsRefLikeType) continue;
                    if (attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonExtensionData) || IsAlwaysIgnored(a))) continue;
                    required |= attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonRequired));
                    var use = Use(memberType);
                    if (attributes.FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonConverterAttribute)) is { } converter)
                    {
                        // Its own converter: an enum written as names, or a shape only the converter knows.
                        use = use.Kind == TypeUseKind.Ref && SingleType(converter) is { } converterType && known.IsStringEnumConverter(converterType)
                              && Types[_index[use.Ref!]].Kind == SchemaTypeKind.Enum
                            ? use with { StringEnum = true }
                            : new TypeUse(TypeUseKind.Any);
                    }
                    var fromConstructor = constructor is not null && constructor.Parameters.Any(p =>
                        string.Equals(p.Name, member.Name, StringComparison.OrdinalIgnoreCase) && !p.HasExplicitDefaultValue && !p.IsParams);
                    var order = attributes.FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonPropertyOrder)) is { ConstructorArguments.Length: 1 } orderAttribute && orderAttribute.ConstructorArguments[0].Value is int value ? value : 0;
                    level.Add(new SchemaPropertySpec(member.Name, ExplicitName(member, known.JsonPropertyName), use, required, fromConstructor, order));
                }
                levels.Add(level);
            }
            levels.Reverse();
            // OrderBy is stable: declaration order within one [JsonPropertyOrder].
            return levels.SelectMany(static l => l).OrderBy(static p => p.Order).ToEquatableArray();
        }

        /// <summary>The constructor System.Text.Json deserializes with: [JsonConstructor], else a public parameterless one, else the only public one.</summary>
        private IMethodSymbol? Constructor(INamedTypeSymbol type)
        {
            var constructors = type.InstanceConstructors;
            if (constructors.FirstOrDefault(c => c.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonConstructor))) is { } marked) return marked;
            var visible = constructors.Where(static c => c.DeclaredAccessibility == Accessibility.Public && !(c.Parameters.Length == 0 && c.IsImplicitlyDeclared && c.ContainingType.IsValueType)).ToList();
            if (visible.Any(static c => c.Parameters.Length == 0)) return null;
            return visible.Count == 1 ? visible[0] : null;
        }

        private bool IsAlwaysIgnored(AttributeData attribute)
            => KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonIgnore) && attribute.NamedArguments.All(static a => a.Key != "Condition" || a.Value.Value is 1);

        private static string? ExplicitName(ISymbol member, INamedTypeSymbol? attribute)
            => member.GetAttributes().FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, attribute)) is { ConstructorArguments.Length: 1 } named
               && named.ConstructorArguments[0].Value is string name ? name : null;

        private static ITypeSymbol? SingleType(AttributeData attribute)
            => attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as ITypeSymbol : null;
    }
}
