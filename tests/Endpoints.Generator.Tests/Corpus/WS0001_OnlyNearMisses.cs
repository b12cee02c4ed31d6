// Callbacks named like SignalR's or with an Async suffix: without a real callback nothing would run, so it is an error.
// expect WS0001 at `OnTextAsync`: 'AsyncNamedEndpoint' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError, so nothing would ever run; 'OnTextAsync' is not a callback name: rename it to 'OnText'
// generates: none
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/async")]
public sealed class AsyncNamedEndpoint
{
    public Task OnTextAsync(string text) => Task.CompletedTask;
}
