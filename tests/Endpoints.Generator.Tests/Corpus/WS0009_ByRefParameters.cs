// Callback parameters cannot be ref, out or in.
// expect WS0009 at `ref`: Parameter 'count' of OnOpen is passed by reference; remove 'ref'
// expect WS0009 at `out`: Parameter 'length' of OnText is passed by reference; remove 'out'
// generates: none
using Endpoints;

[WebSocketEndpoint("/x")]
public sealed class RefEndpoint
{
    public void OnOpen(ref int count) { }
    public void OnText(string text, out int length) => length = 0;
}
