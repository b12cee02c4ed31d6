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
    [InlineData("~/tilde/{id}", "id", "/tilde/{}")]
    [InlineData("/r/{**rest}", "rest", "/r/{*}")]
    [InlineData("/i/{id:range(1,10):int}", "id", "/i/{:range(1,10):int}")]
    [InlineData("/d/{file}.{ext?}", "file,ext", "/d/{}.{?}")]
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
    [InlineData("/a/{my-name}", "no callback parameter can take the route value 'my-name', because it is not a C# identifier; rename it, e.g. '{myName}'")]
    [InlineData("/a/{*rest}/b", "the catch-all parameter 'rest' must be the last thing in the pattern")]
    [InlineData("/a/{x}{y}", "the parameters 'x' and 'y' follow each other with nothing between them, so neither knows where it ends; put a literal between them")]
    [InlineData("/a/{x?}.b", "the optional parameter 'x' must be at the end of its segment")]
    [InlineData("/a/{x}-{y?}", "the optional parameter 'y' may only follow a '.' in its segment")]
    [InlineData("/a/{*x?}", "the catch-all parameter 'x' cannot also be optional (a catch-all already matches nothing)")]
    [InlineData("/a/{x=1?}", "the parameter 'x' is optional and has a default value; keep one of the two")]
    [InlineData("/a//b", "the '/' at position 4 follows another '/'; remove the empty segment")]
    [InlineData("/a?b=1", "'?b=1' is a query string, but a route pattern matches only the path; remove it and take query values with [FromQuery]")]
    [InlineData("/a/x{*y}", "the catch-all parameter 'y' must be a path segment of its own")]
    [InlineData("~x", "'~' may only start a pattern as '~/'")]
    [InlineData("/a/{x}/{X}", "the parameter 'X' appears twice")]
    [InlineData("/a/{x{y}}", "the '{' at position 4 is not closed")]
    public void SaysWhyAPatternIsNotValid(string pattern, string expected)
    {
        RoutePattern.Parse(pattern, out var error, out _);
        Assert.Equal(expected, error);
    }
}

public sealed class RoutePatternDetailsTests
{
    [Fact]
    public void ParametersCarryConstraintsOptionalityAndWhereTheyAreWritten()
    {
        var route = RoutePattern.Parse("/items/{id:int:min(1)}/{name?}/{*rest}");
        Assert.Null(route.Error);
        Assert.Collection(route.Parameters,
            id =>
            {
                Assert.Equal(["int", "min"], id.Constraints);
                Assert.Equal("{id:int:min(1)}", "/items/{id:int:min(1)}/{name?}/{*rest}".Substring(id.Start, id.Length));
            },
            name => Assert.True(name.IsOptional),
            rest => Assert.True(rest.IsCatchAll));
    }

    [Fact]
    public void ARegexConstraintMayHoldColonsAndEscapedBraces()
    {
        var route = RoutePattern.Parse("/v/{code:regex(^\\d{{3}}:x$)}");
        Assert.Null(route.Error);
        Assert.Equal(["regex"], Assert.Single(route.Parameters).Constraints);
    }
}
