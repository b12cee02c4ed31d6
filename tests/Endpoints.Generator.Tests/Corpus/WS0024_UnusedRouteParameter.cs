// A route value no callback takes.
// expect WS0024 at `"/rooms/{room}/{user}"`: The route parameter 'room' is not taken by any callback of 'PartlyUsed'; add a parameter named 'room' to OnOpen to use it
// generates: PartlyUsed
using Endpoints;

[WebSocketEndpoint("/rooms/{room}/{user}")]
public sealed class PartlyUsed { public void OnOpen(string user) { } }
