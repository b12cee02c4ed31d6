// A route value no callback takes.
// expect WS0024 at `{room}`: The route parameter 'room' is not taken by any callback of 'PartlyUsed', so its value is ignored; add a parameter 'string room' to OnOpen
// generates: PartlyUsed
using Endpoints;

[WebSocketEndpoint("/rooms/{room}/{user}")]
public sealed class PartlyUsed { public void OnOpen(string user) { } }
