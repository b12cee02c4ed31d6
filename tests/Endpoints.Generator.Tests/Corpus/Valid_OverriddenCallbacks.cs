// Callbacks from base classes: abstract ones implemented, virtual ones overridden (at one level or two), and ones inherited as they are.
// A base class's private static helper named like a callback is its own business: not a callback, not reported.
// generates: Overrides.AbstractEndpoint, Overrides.VirtualEndpoint, Overrides.TwoLevelEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

namespace Overrides;

public abstract class TextEndpointBase
{
    public abstract ValueTask OnText(WebSocketConnection connection, string text);
    public void OnClose(WebSocketCloseInfo close) { }
}

[WebSocketEndpoint("/abstract")]
public sealed class AbstractEndpoint : TextEndpointBase
{
    public override ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
}

public class LoggingEndpointBase
{
    public virtual void OnOpen() { }
    public virtual void OnError(Exception error) { }
    private static void OnText(string text) => Console.WriteLine(text);
    protected static void Log(string text) => OnText(text);
}

[WebSocketEndpoint("/virtual")]
public sealed class VirtualEndpoint : LoggingEndpointBase
{
    public override void OnOpen() { }
    public void OnBinary(ReadOnlyMemory<byte> data) { }
}

public class Middle : LoggingEndpointBase
{
    public override void OnError(Exception error) { }
}

[WebSocketEndpoint("/two-levels")]
public sealed class TwoLevelEndpoint : Middle
{
    public sealed override void OnError(Exception error) { }
    public void OnText(string text) { }
}
