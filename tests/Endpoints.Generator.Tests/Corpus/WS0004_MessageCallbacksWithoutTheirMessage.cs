// OnText and OnBinary must take the message.
// expect WS0004 at `OnText`: OnText must take the message as a parameter of type string
// expect WS0004 at `OnBinary`: OnBinary must take the message as a parameter of type ReadOnlyMemory<byte>
// generates: none
using System.Threading;
using Endpoints;

[WebSocketEndpoint("/m")]
public sealed class MessageEndpoint
{
    public void OnText() { }
    public void OnBinary(CancellationToken closed) { }
}
