// Two endpoints that match the same requests are both reported; a constrained pattern is a different one.
// expect WS0023 at `"/rooms/{room}"`: 'First' and 'Second' both use the route pattern "/rooms/{room}"; a request could match either, so give each its own
// expect WS0023 at `"/Rooms/{name}/"`: 'Second' and 'First' both use the route pattern "/Rooms/{name}/"; a request could match either, so give each its own
// generates: First, Second, ConstrainedIsDifferent
using Endpoints;

[WebSocketEndpoint("/rooms/{room}")]
public sealed class First { public void OnOpen(string room) { } }

[WebSocketEndpoint("/Rooms/{name}/")]
public sealed class Second { public void OnOpen(string name) { } }

[WebSocketEndpoint("/rooms/{id:int}")]
public sealed class ConstrainedIsDifferent { public void OnOpen(int id) { } }
