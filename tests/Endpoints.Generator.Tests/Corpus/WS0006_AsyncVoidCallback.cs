// async void cannot be awaited and crashes the process when it throws.
// expect WS0006 at `void`: OnText is 'async void', so its exceptions would crash the process and its end cannot be awaited; return Task instead
// generates: none
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/v")]
public sealed class VoidEndpoint
{
    public async void OnText(string text) => await Task.Yield();
}
