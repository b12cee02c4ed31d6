using Endpoints.Generator.Parsing;

namespace Endpoints.Generator.Tests;

public sealed class RoutePatternTests
{
    [Theory]
    [InlineData("/echo", "", "/echo")]
    [InlineData("/chat/{room}", "room", "/chat/{}")]
    [InlineData("/a/{id:int}/{name?}", "id,name", "/a/{:int}/{?}")]
    [InlineData("/files/{*path}", "path", "/files/{*}")]
    [InlineData("/x/{page=1}", "page", "/x/{=1}")]
    [InlineData("/Rooms/{Name}/", "Name", "/rooms/{}")]
    [InlineData("/lit/{{braces}}", "", "/lit/{{braces}}")]
    public void ReadsParameterNamesAndAMatchKeyWithoutNamesOrCase(string pattern, string names, string matchKey)
    {
        var parsed = RoutePattern.Parse(pattern, out var error, out var key);
        Assert.Null(error);
        Assert.Equal(names.Split(',', StringSplitOptions.RemoveEmptyEntries), parsed);
        Assert.Equal(matchKey, key);
    }

    [Theory]
    [InlineData("/rooms/{room", "the '{' at position 8 is not closed")]
    [InlineData("/rooms/room}", "the '}' at position 12 closes no parameter (write '}}' for a literal brace)")]
    [InlineData("/a/{}", "the parameter at position 4 has no name")]
    [InlineData("/a/{my-name}", "the parameter name 'my-name' may only contain letters, digits and '_'")]
    [InlineData("/a/{x}/{X}", "the parameter 'X' appears twice")]
    [InlineData("/a/{x{y}}", "the '{' at position 4 is not closed")]
    public void SaysWhyAPatternIsNotValid(string pattern, string expected)
    {
        RoutePattern.Parse(pattern, out var error, out _);
        Assert.Equal(expected, error);
    }
}
