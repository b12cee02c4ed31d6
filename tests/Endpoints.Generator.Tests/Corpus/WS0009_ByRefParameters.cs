// Callback parameters cannot be ref, out or in.
// expect WS0009 at `count`: Parameter 'count' of OnOpen is passed by reference; remove 'ref', 'out' or 'in'
// expect WS0009 at `length`: Parameter 'length' of OnText is passed by reference; remove 'ref', 'out' or 'in'
// generates: none
using Endpoints;

[WebSocketEndpoint("/x")]
public sealed class RefEndpoint
{
    public void OnOpen(ref int count) { }
    public void OnText(string text, out int length) => length = 0;
}
