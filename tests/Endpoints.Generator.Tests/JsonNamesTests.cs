using System.Text.Json;
using Endpoints.Generator.Parsing;

namespace Endpoints.Generator.Tests;

/// <summary>WS0077 compares names as System.Text.Json writes them: the generator's conversions must be its own.</summary>
public sealed class JsonNamesTests
{
    public static TheoryData<string> Names => new("Type", "type", "MessageType", "URLValue", "XMLReader", "SHA512Hash", "ID", "A", "already_snake", "Two  Words", "x1Y2");

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryKnownPolicyConvertsAsSystemTextJsonDoes(string name)
    {
        Assert.Equal(JsonNamingPolicy.CamelCase.ConvertName(name), JsonNames.Convert(JsonNames.CamelCase, name));
        Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName(name), JsonNames.Convert(JsonNames.SnakeCaseLower, name));
        Assert.Equal(JsonNamingPolicy.SnakeCaseUpper.ConvertName(name), JsonNames.Convert(JsonNames.SnakeCaseUpper, name));
        Assert.Equal(JsonNamingPolicy.KebabCaseLower.ConvertName(name), JsonNames.Convert(JsonNames.KebabCaseLower, name));
        Assert.Equal(JsonNamingPolicy.KebabCaseUpper.ConvertName(name), JsonNames.Convert(JsonNames.KebabCaseUpper, name));
        Assert.Equal(name, JsonNames.Convert("", name));
    }
}
