// Callbacks other than OnOpen return nothing to the runtime.
// expect WS0005 at `int`: OnText returns 'int'; OnText may return void, Task or ValueTask; return void (or Task, ValueTask if it awaits)
// expect WS0005 at `Task<int>`: OnClose returns 'Task<int>'; OnClose may return void, Task or ValueTask, and the result would be ignored; return Task or ValueTask
// generates: none
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/r")]
public sealed class ReturnEndpoint
{
    public int OnText(string text) => 0;
    public Task<int> OnClose() => Task.FromResult(0);
}
