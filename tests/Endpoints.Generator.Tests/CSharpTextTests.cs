using Endpoints.Generator.Common;
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

public sealed class SymbolsTests
{
    [Theory]
    [InlineData("global::Endpoints.WebSocketConnection", true)]
    [InlineData("global::Endpoints.WebSocketConnectionX", false)]
    [InlineData("global::WebSocketConnection", false)]
    [InlineData("global::Other.Endpoints.WebSocketConnection", false)]
    [InlineData("global::System.Threading.CancellationToken", false)]
    public void IsComparesNamespaceAndName(string fullName, bool expected)
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace Other.Endpoints { public class WebSocketConnection { } }");
        var type = compilation.GetTypeByMetadataName("Endpoints.WebSocketConnection")!;
        Assert.Equal(expected, Endpoints.Generator.Parsing.Symbols.Is(type, fullName));
        var other = compilation.GetTypeByMetadataName("Other.Endpoints.WebSocketConnection")!;
        Assert.Equal(fullName == "global::Other.Endpoints.WebSocketConnection", Endpoints.Generator.Parsing.Symbols.Is(other, fullName));
    }

    [Fact]
    public void IsHandlesNestedAndGenericTypesThroughTheirFullName()
    {
        var compilation = Infrastructure.GeneratorHarness.CreateCompilation("namespace N { public class Outer { public class Inner { } } }");
        Assert.True(Endpoints.Generator.Parsing.Symbols.Is(compilation.GetTypeByMetadataName("N.Outer+Inner")!, "global::N.Outer.Inner"));
        var memory = compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1")!.Construct(compilation.GetSpecialType(Microsoft.CodeAnalysis.SpecialType.System_Byte));
        Assert.True(Endpoints.Generator.Parsing.Symbols.Is(memory, "global::System.ReadOnlyMemory<byte>"));
        Assert.False(Endpoints.Generator.Parsing.Symbols.Is(memory, "global::System.ReadOnlyMemory"));
    }
}
