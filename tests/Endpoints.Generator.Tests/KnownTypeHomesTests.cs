using System.Reflection;
using Endpoints.Generator.Parsing;
using Endpoints.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Tests;

/// <summary>Well-known types are found in the assembly that defines them, the lookup that costs a dictionary read.</summary>
public sealed class KnownTypeHomesTests
{
    [Fact]
    public void EveryKnownTypeIsDefinedWhereItsHomeSays()
    {
        var compilation = GeneratorHarness.CreateCompilation("namespace App; public sealed class Nothing { }");
        var known = KnownTypeSymbols.For(compilation);
        var elsewhere = new List<string>();
        var found = 0;
        foreach (var property in typeof(KnownTypeSymbols).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetValue(known) is not INamedTypeSymbol type) continue;
            found++;
            var name = MetadataName(type);
            var homes = KnownTypeSymbols.HomesOf(name);
            if (!homes.Contains(type.ContainingAssembly.Name)) elsewhere.Add($"{name} is in {type.ContainingAssembly.Name}, not in {string.Join(" or ", homes)}");
        }

        Assert.True(found > 40, $"only {found} known types resolved");
        Assert.Empty(elsewhere);
    }

    [Fact]
    public void ATypeTheProjectDefinesItselfIsItsOwn()
    {
        var compilation = GeneratorHarness.CreateCompilation("""
            namespace System.Text.Json.Serialization
            {
                public sealed class JsonStringEnumMemberNameAttribute(string name) : Attribute { public string Name { get; } = name; }
            }
            """);

        var type = KnownTypeSymbols.For(compilation).JsonStringEnumMemberName;

        Assert.NotNull(type);
        Assert.Equal(compilation.Assembly, type.ContainingAssembly, SymbolEqualityComparer.Default);
    }

    private static string MetadataName(INamedTypeSymbol type)
        => type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
}
