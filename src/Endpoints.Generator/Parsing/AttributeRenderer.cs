using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Endpoints.Generator.Common;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Turns the attributes on an endpoint class (and inherited ones) into C# expressions that construct them,
/// so that generated code hands them to ASP.NET Core as endpoint metadata without reflection.
/// </summary>
internal static class AttributeRenderer
{
    public static List<string> EndpointMetadata(INamedTypeSymbol type)
    {
        var rendered = new List<string>();
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            var inherited = !SymbolEqualityComparer.Default.Equals(current, type);
            foreach (var attribute in current.GetAttributes())
            {
                var attributeClass = attribute.AttributeClass;
                if (attributeClass is null || !IsPipelineMetadata(attributeClass)) continue;
                var (allowMultiple, isInherited) = Usage(attributeClass);
                if (inherited && !isInherited) continue;
                if (!allowMultiple && !seen.Add(attributeClass)) continue;
                if (Render(attribute) is { } expression) rendered.Add(expression);
            }
        }
        return rendered;
    }

    // Our own attribute and the runtime's and compiler's (System.*) mean nothing to the request pipeline.
    private static bool IsPipelineMetadata(INamedTypeSymbol attributeClass)
    {
        if (attributeClass.TypeKind == TypeKind.Error || attributeClass.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected) return false;
        var ns = attributeClass.ContainingNamespace?.ToDisplayString() ?? "";
        return ns != "Endpoints" && ns != "System" && !ns.StartsWith("System.", System.StringComparison.Ordinal);
    }

    private static (bool AllowMultiple, bool Inherited) Usage(INamedTypeSymbol attributeClass)
    {
        for (var current = attributeClass; current is not null; current = current.BaseType)
        {
            var usage = current.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.AttributeUsageAttribute");
            if (usage is null) continue;
            var allowMultiple = usage.NamedArguments.FirstOrDefault(a => a.Key == "AllowMultiple").Value.Value is true;
            var inherited = usage.NamedArguments.FirstOrDefault(a => a.Key == "Inherited").Value.Value is not false;
            return (allowMultiple, inherited);
        }
        return (false, true);
    }

    private static string? Render(AttributeData attribute)
    {
        if (attribute.AttributeConstructor is null) return null;
        var text = new StringBuilder("new ").Append(FullName(attribute.AttributeClass!)).Append('(');
        for (var i = 0; i < attribute.ConstructorArguments.Length; i++)
        {
            if (i > 0) text.Append(", ");
            var value = Render(attribute.ConstructorArguments[i]);
            if (value is null) return null;
            text.Append(value);
        }
        text.Append(')');
        if (attribute.NamedArguments.Length > 0)
        {
            text.Append(" { ");
            for (var i = 0; i < attribute.NamedArguments.Length; i++)
            {
                if (i > 0) text.Append(", ");
                var value = Render(attribute.NamedArguments[i].Value);
                if (value is null) return null;
                text.Append(attribute.NamedArguments[i].Key).Append(" = ").Append(value);
            }
            text.Append(" }");
        }
        return text.ToString();
    }

    private static string? Render(TypedConstant constant)
    {
        if (constant.Kind == TypedConstantKind.Error || constant.Type is null) return null;
        if (constant.Kind == TypedConstantKind.Array)
        {
            if (constant.IsNull) return $"default({FullName(constant.Type)})";
            var elementType = ((IArrayTypeSymbol)constant.Type).ElementType;
            var items = new List<string>();
            foreach (var item in constant.Values)
            {
                var rendered = Render(item);
                if (rendered is null) return null;
                items.Add(rendered);
            }
            return $"new {FullName(elementType)}[] {{ {string.Join(", ", items)} }}";
        }
        if (constant.IsNull) return $"default({FullName(constant.Type)})";
        if (constant.Kind == TypedConstantKind.Type) return $"typeof({FullName((ITypeSymbol)constant.Value!)})";
        if (constant.Kind == TypedConstantKind.Enum) return $"({FullName(constant.Type)})({Primitive(constant.Value!)})";
        return Primitive(constant.Value!);
    }

    private static string Primitive(object value) => value switch
    {
        string text => CSharpText.Literal(text),
        bool flag => flag ? "true" : "false",
        char c => CSharpText.CharLiteral(c),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        uint u => u.ToString(CultureInfo.InvariantCulture) + "U",
        ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "UL",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "F",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "D",
        byte b => "(byte)" + b.ToString(CultureInfo.InvariantCulture),
        sbyte sb => "(sbyte)(" + sb.ToString(CultureInfo.InvariantCulture) + ")",
        short s => "(short)(" + s.ToString(CultureInfo.InvariantCulture) + ")",
        ushort us => "(ushort)" + us.ToString(CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default",
    };

    private static string FullName(ITypeSymbol type) => Symbols.FullName(type);
}
