// Patterns that are empty, relative, or not valid route templates.
// expect WS0020 at `""`: The route pattern of 'EmptyEndpoint' is empty; give the path clients connect to, e.g. "/ws"
// expect WS0021 at `"chat"`: The route pattern "chat" does not start with '/'; write "/chat"
// expect WS0022 at `"/rooms/{room"`: The route pattern "/rooms/{room" is not valid: the '{' at position 8 is not closed
// expect WS0022 at `"/a/{x}/{X}"`: The route pattern "/a/{x}/{X}" is not valid: the parameter 'X' appears twice
// generates: none
using Endpoints;

[WebSocketEndpoint("")]
public sealed class EmptyEndpoint { public void OnText(string text) { } }

[WebSocketEndpoint("chat")]
public sealed class NoSlashEndpoint { public void OnText(string text) { } }

[WebSocketEndpoint("/rooms/{room")]
public sealed class UnclosedEndpoint { public void OnText(string text) { } }

[WebSocketEndpoint("/a/{x}/{X}")]
public sealed class RepeatedEndpoint { public void OnText(string text) { } }
