// Constructor parameters are resolved services; they cannot be passed by reference.
// expect WS0016 at `in`: Constructor parameter 'clock' of 'RefConstructorEndpoint' is passed by reference, but constructor parameters are resolved services; remove 'in'
// generates: none
using Endpoints;

public sealed class Clock { }

[WebSocketEndpoint("/r")]
public sealed class RefConstructorEndpoint
{
    public RefConstructorEndpoint(in Clock clock) { }
    public void OnText(string text) { }
}
