// OnOpen takes something that is neither a known type, a route value nor a service.
// expect WS0002 at `Clock clock`: Parameter 'clock' of OnOpen cannot be bound: 'Clock' is not a value of the connection; if it is a service, mark the parameter [FromServices] or take it in the constructor
// generates: none
using Endpoints;

public sealed class Clock { }

[WebSocketEndpoint("/rooms/{room}")]
public sealed class RoomEndpoint
{
    public void OnOpen(string room, Clock clock) { }
}
