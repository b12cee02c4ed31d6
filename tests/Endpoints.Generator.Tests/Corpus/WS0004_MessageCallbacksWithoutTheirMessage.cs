// OnText and OnBinary must take the message.
// expect WS0004 at `()`: OnText must take the message; add a parameter 'string text'
// expect WS0004 at `(CancellationToken closed)`: OnBinary must take the message; add a parameter 'ReadOnlyMemory<byte> data'
// generates: none
using System.Threading;
using Endpoints;

[WebSocketEndpoint("/m")]
public sealed class MessageEndpoint
{
    public void OnText() { }
    public void OnBinary(CancellationToken closed) { }
}
