// Private and generic callbacks.
// expect WS0032 at `private`: OnText is private, so the generated code cannot call it; make it public or internal
// expect WS0031 at `<T>`: OnBinary is generic, so the generated code cannot know its type arguments; remove its type parameters
// generates: none
using System;
using Endpoints;

[WebSocketEndpoint("/p")]
public sealed class PrivateEndpoint
{
    private void OnText(string text) { }
    public void OnBinary<T>(ReadOnlyMemory<byte> data) { }
}
