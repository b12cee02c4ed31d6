// Callbacks are found by name, so an overload is ambiguous.
// expect WS0008 at `OnText`#2: 'OverloadEndpoint' has more than one OnText; keep one (callbacks are found by name, so overloads are ambiguous)
// generates: none
using System.Threading;
using Endpoints;

[WebSocketEndpoint("/o")]
public sealed class OverloadEndpoint
{
    public void OnText(string text) { }
    public void OnText(string text, CancellationToken token) { }
}
