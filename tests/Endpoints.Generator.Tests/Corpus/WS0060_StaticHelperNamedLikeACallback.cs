// Private static helpers named like callbacks: not callbacks, and said once, on the name (a 'static' written by accident stays visible).
// expect WS0060 at `OnMessage`: OnMessage is private and static, so it is not a callback and the endpoint never calls it; if it is meant to be one, make it public (a static callback may be public), else give the helper another name
// expect WS0060 at `OnText`#2: OnText is private and static, so it is not a callback and the endpoint never calls it; if it is meant to be one, make it public (a static callback may be public), else give the helper another name
// generates: ParsingEndpoint, QuietEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

public sealed record Command(string Name);

[WebSocketEndpoint("/parse")]
public sealed class ParsingEndpoint
{
    private static Command OnMessage(string raw) => new(raw.Trim());

    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(OnMessage(text).Name);
}

[WebSocketEndpoint("/quiet")]
public sealed class QuietEndpoint
{
    private static void OnText(string text, int times) => Console.WriteLine(text + times);

    public void OnBinary(ReadOnlyMemory<byte> data) => OnText("bytes", data.Length);
}
