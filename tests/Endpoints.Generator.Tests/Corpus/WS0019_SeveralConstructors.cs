// Two constructors the generated code could call: it must not pick one silently.
// expect WS0019 at `TwoWays`#3: 'TwoWays' has 2 public or internal constructors, and the generated code must call exactly one; mark the one to use with [ActivatorUtilitiesConstructor], or remove the others
// generates: none
using Endpoints;

public sealed class Clock { }

[WebSocketEndpoint("/two")]
public sealed class TwoWays
{
    public TwoWays() { }
    public TwoWays(Clock clock) { }
    public void OnText(string text) { }
}
