// Callbacks other than OnOpen return nothing to the runtime.
// expect WS0005 at `OnText`: OnText returns 'int'; OnText may return void, Task or ValueTask
// expect WS0005 at `OnClose`: OnClose returns 'Task<int>'; OnClose may return void, Task or ValueTask
// generates: none
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/r")]
public sealed class ReturnEndpoint
{
    public int OnText(string text) => 0;
    public Task<int> OnClose() => Task.FromResult(0);
}
