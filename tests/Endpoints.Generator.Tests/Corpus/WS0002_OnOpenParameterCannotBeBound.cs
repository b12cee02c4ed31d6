// OnOpen takes something that is neither a known type, a route value nor a service.
// expect WS0002 at `clock`: Parameter 'clock' of OnOpen cannot be bound: its type 'Clock' is not one the generator binds (WebSocketConnection, HttpContext, CancellationToken, ClaimsPrincipal), no route value of '/rooms/{room}' is named 'clock', and it is not marked [FromServices]; rename it after a route value, mark it [FromServices], or take it in the constructor
// generates: none
using Endpoints;

public sealed class Clock { }

[WebSocketEndpoint("/rooms/{room}")]
public sealed class RoomEndpoint
{
    public void OnOpen(string room, Clock clock) { }
}
