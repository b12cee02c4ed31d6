using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// The names System.Text.Json gives a type's properties: [JsonPropertyName], else the C# name under the context's
/// naming policy (<c>[JsonSourceGenerationOptions]</c>: <c>PropertyNamingPolicy</c>, or <c>JsonSerializerDefaults.Web</c>,
/// which is camelCase and case-insensitive). The conversions are System.Text.Json's own (JsonCamelCaseNamingPolicy,
/// JsonSeparatorNamingPolicy), so that a name compared here is the name on the wire.
/// </summary>
internal static class JsonNames
{
    public const string CamelCase = nameof(CamelCase);
    public const string SnakeCaseLower = nameof(SnakeCaseLower);
    public const string SnakeCaseUpper = nameof(SnakeCaseUpper);
    public const string KebabCaseLower = nameof(KebabCaseLower);
    public const string KebabCaseUpper = nameof(KebabCaseUpper);

    private static readonly string[] s_policies = { "", CamelCase, SnakeCaseLower, SnakeCaseUpper, KebabCaseLower, KebabCaseUpper };

    /// <summary>A context's naming policy ("" for none, else a JsonKnownNamingPolicy name) and whether it reads names case-insensitively.</summary>
    public static (string Policy, bool CaseInsensitive) ReadOptions(INamedTypeSymbol context, KnownTypeSymbols known)
    {
        var policy = "";
        var insensitive = false;
        foreach (var attribute in context.GetAttributes())
        {
            if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonSourceGenerationOptions)) continue;
            // JsonSerializerDefaults.Web (1): camelCase names, read case-insensitively.
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int defaults && defaults == 1)
            {
                policy = CamelCase;
                insensitive = true;
            }
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "PropertyNamingPolicy":
                        policy = EnumMemberName(named.Value) is { } name && Array.IndexOf(s_policies, name) > 0 ? name : "";
                        break;
                    case "PropertyNameCaseInsensitive" when named.Value.Value is bool value:
                        insensitive = value;
                        break;
                }
            }
        }
        return (policy, insensitive);
    }

    /// <summary>
    /// What a context's options change in the shape of its JSON, for the AsyncAPI document: the enums written as names
    /// ("*" for all: UseStringEnumConverter or a JsonStringEnumConverter in Converters; an enum's name for
    /// JsonStringEnumConverter&lt;T&gt;), and whether constructor parameters are required (RespectRequiredConstructorParameters).
    /// </summary>
    public static (EquatableArray<string> StringEnums, bool RequiredConstructorParameters) ReadSchemaOptions(INamedTypeSymbol context, KnownTypeSymbols known)
    {
        var stringEnums = new List<string>();
        var required = false;
        foreach (var attribute in context.GetAttributes())
        {
            if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonSourceGenerationOptions)) continue;
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "UseStringEnumConverter" when named.Value.Value is true:
                        stringEnums.Add("*");
                        break;
                    case "RespectRequiredConstructorParameters" when named.Value.Value is bool value:
                        required = value;
                        break;
                    case "Converters" when named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull:
                        foreach (var converter in named.Value.Values)
                        {
                            if (converter.Value is not INamedTypeSymbol converterType || !known.IsStringEnumConverter(converterType)) continue;
                            stringEnums.Add(converterType.IsGenericType ? Symbols.FullName(converterType.TypeArguments[0]).Replace("global::", "") : "*");
                        }
                        break;
                }
            }
        }
        return (stringEnums.Distinct().OrderBy(static n => n, StringComparer.Ordinal).ToEquatableArray(), required);
    }

    /// <summary>
    /// The properties of <paramref name="type"/> that System.Text.Json writes and whose JSON name could be
    /// <paramref name="name"/> under some naming policy (compared ignoring case): the few a check against one name needs.
    /// </summary>
    public static EquatableArray<MessagePropertyUse> PropertiesNamedLike(ITypeSymbol type, string name, KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        var found = new List<MessagePropertyUse>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public) continue;
                var serialized = member switch
                {
                    IPropertySymbol { IsIndexer: false } => true,
                    IFieldSymbol { IsConst: false } field => field.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonInclude)),
                    _ => false,
                };
                if (!serialized || !seen.Add(member.Name)) continue;
                var attributes = member.GetAttributes();
                if (attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonExtensionData) || IsAlwaysIgnored(a, known))) continue;
                var explicitName = attributes.FirstOrDefault(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonPropertyName)) is { ConstructorArguments.Length: 1 } named
                    ? named.ConstructorArguments[0].Value as string
                    : null;
                var candidates = explicitName is null ? s_policies.Select(p => Convert(p, member.Name)) : new[] { explicitName };
                if (!candidates.Any(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase))) continue;
                var location = member.Locations.FirstOrDefault(static l => l.IsInSource);
                found.Add(new MessagePropertyUse(member.Name, explicitName, location, IsReadInto(type, member, attributes, known)));
            }
        }
        return found.ToEquatableArray();
    }

    /// <summary>
    /// Whether System.Text.Json reads a value into the member: a property with a public setter or init, a public field
    /// that is not read-only, a member marked [JsonInclude], or one a public constructor takes by name.
    /// </summary>
    private static bool IsReadInto(ITypeSymbol type, ISymbol member, ImmutableArray<AttributeData> attributes, KnownTypeSymbols known)
    {
        if (attributes.Any(a => KnownTypeSymbols.Is(a.AttributeClass, known.JsonInclude))) return true;
        if (member is IPropertySymbol { SetMethod.DeclaredAccessibility: Accessibility.Public } or IFieldSymbol { IsReadOnly: false }) return true;
        return type is INamedTypeSymbol named && named.InstanceConstructors.Any(c => c.DeclaredAccessibility == Accessibility.Public
            && c.Parameters.Any(p => string.Equals(p.Name, member.Name, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The JSON name of a property called <paramref name="name"/> under <paramref name="policy"/>.</summary>
    public static string Convert(string policy, string name) => policy switch
    {
        CamelCase => ToCamelCase(name),
        SnakeCaseLower => Separated(name, '_', lowercase: true),
        SnakeCaseUpper => Separated(name, '_', lowercase: false),
        KebabCaseLower => Separated(name, '-', lowercase: true),
        KebabCaseUpper => Separated(name, '-', lowercase: false),
        _ => name,
    };

    // [JsonIgnore] and [JsonIgnore(Condition = Always)] leave a property out; the conditional ones may write it.
    private static bool IsAlwaysIgnored(AttributeData attribute, KnownTypeSymbols known)
        => KnownTypeSymbols.Is(attribute.AttributeClass, known.JsonIgnore)
           && attribute.NamedArguments.All(static a => a.Key != "Condition" || a.Value.Value is 1);

    private static string? EnumMemberName(TypedConstant constant)
        => constant.Type?.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, constant.Value))?.Name;

    // JsonCamelCaseNamingPolicy: the leading run of upper-case letters is lowered, but for the last one of a run
    // followed by a lower-case letter ("URLValue" → "urlValue").
    private static string ToCamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0])) return name;
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i])) break;
            var hasNext = i + 1 < chars.Length;
            if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
            {
                if (chars[i + 1] == ' ') chars[i] = char.ToLowerInvariant(chars[i]);
                break;
            }
            chars[i] = char.ToLowerInvariant(chars[i]);
        }
        return new string(chars);
    }

    // JsonSeparatorNamingPolicy: words split where the case changes ("XMLReader" → "xml_reader"), spaces become one separator.
    private static string Separated(string name, char separator, bool lowercase)
    {
        var result = new StringBuilder(name.Length + 4);
        var state = 0; // 0 not started, 1 upper-case letter, 2 lower-case letter or digit, 3 space
        for (var i = 0; i < name.Length; i++)
        {
            var current = name[i];
            switch (char.GetUnicodeCategory(current))
            {
                case UnicodeCategory.UppercaseLetter:
                    if (state is 2 or 3 || (state == 1 && i + 1 < name.Length && char.IsLower(name[i + 1]))) result.Append(separator);
                    result.Append(lowercase ? char.ToLowerInvariant(current) : current);
                    state = 1;
                    break;
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.DecimalDigitNumber:
                    if (state == 3) result.Append(separator);
                    result.Append(!lowercase && char.IsLower(current) ? char.ToUpperInvariant(current) : current);
                    state = 2;
                    break;
                case UnicodeCategory.SpaceSeparator:
                    if (state != 0) state = 3;
                    break;
                default:
                    result.Append(current);
                    state = 0;
                    break;
            }
        }
        return result.ToString();
    }
}
