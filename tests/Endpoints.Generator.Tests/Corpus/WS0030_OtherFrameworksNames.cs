// Names from SignalR, Jakarta and others next to real callbacks: never called, so warned about.
// expect WS0030 at `OnConnectedAsync`: 'OnConnectedAsync' is not a callback name, so it is never called; rename it to 'OnOpen'
// expect WS0030 at `onClose`: 'onClose' is not a callback name, so it is never called; rename it to 'OnClose'
// expect WS0030 at `OnErrorAsync`: 'OnErrorAsync' is not a callback name, so it is never called; rename it to 'OnError'
// generates: MixedNamesEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/mixed")]
public sealed class MixedNamesEndpoint
{
    public void OnText(string text) { }
    public Task OnConnectedAsync() => Task.CompletedTask;
    public void onClose() { }
    public Task OnErrorAsync(Exception error) => Task.CompletedTask;
}
