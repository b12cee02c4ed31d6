using Endpoints.Generator.Parsing;

namespace Endpoints.Generator.Tests;

public sealed class CallbackNamesTests
{
    [Theory]
    [InlineData("OnTxt", "OnText")]
    [InlineData("Ontext", "OnText")]
    [InlineData("OnBinnary", "OnBinary")]
    [InlineData("OnClosed", "OnClose")]
    [InlineData("OnMesage", "OnMessage")]
    [InlineData("OnMessageReceived", "OnText")]
    [InlineData("OnConnected", "OnOpen")]
    [InlineData("OnDisconnect", "OnClose")]
    [InlineData("OnData", "OnBinary")]
    [InlineData("OnException", "OnError")]
    public void SuggestsTheCallbackANearMissMeant(string name, string expected) => Assert.Equal(expected, CallbackNames.Suggest(name));

    [Theory]
    [InlineData("OnText")]      // already a callback
    [InlineData("OnTick")]      // not close to any
    [InlineData("Open")]        // does not start with On
    [InlineData("On")]
    [InlineData("OnStartupComplete")]
    public void SuggestsNothingForOtherNames(string name) => Assert.Null(CallbackNames.Suggest(name));

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("OnText", "ontext", 0)]
    [InlineData("", "abc", 3)]
    public void DistanceIsLevenshteinIgnoringCase(string a, string b, int expected) => Assert.Equal(expected, CallbackNames.Distance(a, b));
}
