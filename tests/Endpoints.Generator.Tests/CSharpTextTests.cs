using Endpoints.Generator.Common;
using Endpoints.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Tests;

public sealed class CSharpTextTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("quote \" and backslash \\")]
    [InlineData("new\nline\r\ttab")]
    [InlineData("control \u0001\u001f\u007f")]
    [InlineData("emoji 😀 and é")]
    [InlineData("lone \ud800 surrogate")]
    [InlineData("")]
    public void LiteralParsesBackToTheSameString(string value)
    {
        var literal = CSharpText.Literal(value);
        var parsed = SyntaxFactory.ParseExpression(literal);
        Assert.False(parsed.ContainsDiagnostics, literal);
        Assert.Equal(value, ((Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)parsed).Token.ValueText);
        Assert.DoesNotContain('\n', literal);
    }

    [Theory]
    [InlineData('a')]
    [InlineData('\'')]
    [InlineData('\\')]
    [InlineData('\n')]
    [InlineData('é')]
    public void CharLiteralParsesBackToTheSameChar(char value)
    {
        var parsed = (Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)SyntaxFactory.ParseExpression(CSharpText.CharLiteral(value));
        Assert.Equal(value, (char)parsed.Token.Value!);
    }

    [Theory]
    [InlineData("Chat.ChatEndpoint", "Chat_ChatEndpoint")]
    [InlineData("My-App", "My_App")]
    [InlineData("1st", "_1st")]
    [InlineData("", "_")]
    public void IdentifierIsAValidCSharpIdentifier(string name, string expected)
    {
        var identifier = CSharpText.Identifier(name);
        Assert.Equal(expected, identifier);
        Assert.True(SyntaxFacts.IsValidIdentifier(identifier));
    }
}

public sealed class KnownTypeSymbolsTests
{
    [Fact]
    public void ATypeOfTheSameNameInAnotherNamespaceIsNotTheKnownOne()
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace Other.Endpoints { public class WebSocketConnection { } }");
        var known = KnownTypeSymbols.For(compilation);
        Assert.True(KnownTypeSymbols.Is(compilation.GetTypeByMetadataName("Endpoints.WebSocketConnection"), known.Connection));
        Assert.False(KnownTypeSymbols.Is(compilation.GetTypeByMetadataName("Other.Endpoints.WebSocketConnection"), known.Connection));
        Assert.False(KnownTypeSymbols.Is(compilation.GetTypeByMetadataName("Endpoints.WebSocketConnection"), known.CancellationToken));
    }

    [Fact]
    public void GenericsAreComparedByTheirDefinitionAndTypeArguments()
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace N { public class Outer { public class Inner { } } }");
        var known = KnownTypeSymbols.For(compilation);
        var memory = compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1")!;
        Assert.True(known.IsReadOnlyMemoryOfByte(memory.Construct(compilation.GetSpecialType(SpecialType.System_Byte))));
        Assert.False(known.IsReadOnlyMemoryOfByte(memory.Construct(compilation.GetSpecialType(SpecialType.System_Char))));
        Assert.False(known.IsReadOnlyMemoryOfByte(memory));
        var taskOfInt = known.TaskOfT!.Construct(compilation.GetSpecialType(SpecialType.System_Int32));
        Assert.True(KnownTypeSymbols.IsConstructedFrom(taskOfInt, known.TaskOfT));
        Assert.False(KnownTypeSymbols.IsConstructedFrom(taskOfInt, known.ValueTaskOfT));
        Assert.False(KnownTypeSymbols.Is(taskOfInt, known.Task));
        Assert.True(KnownTypeSymbols.DerivesFrom(taskOfInt, known.Task));
    }

    [Fact]
    public void NullabilityIsIgnoredAndAMissingTypeMatchesNothing()
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace N { public class C { } }");
        var known = KnownTypeSymbols.For(compilation);
        Assert.True(KnownTypeSymbols.Is(known.Connection!.WithNullableAnnotation(NullableAnnotation.Annotated), known.Connection));

        var bare = CSharpCompilation.Create("Bare", [CSharpSyntaxTree.ParseText("namespace N { public class C { } }")]);
        var none = KnownTypeSymbols.For(bare);
        Assert.Null(none.Connection);
        Assert.False(KnownTypeSymbols.Is(bare.GetTypeByMetadataName("N.C"), none.Connection));
    }

    [Fact]
    public void OneObjectServesACompilation()
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace N { public class C { } }");
        Assert.Same(KnownTypeSymbols.For(compilation), KnownTypeSymbols.For(compilation));
        Assert.NotSame(KnownTypeSymbols.For(compilation), KnownTypeSymbols.For(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class D { }"))));
    }
}
