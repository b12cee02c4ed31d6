// Values of one connection are not services: the constructor (or a required member) cannot take them.
// expect WS0035 at `WebSocketConnection connection`: Constructor parameter 'connection' of 'RoomEndpoint' is the connection: it exists once per connection and is not a service; take it in OnOpen instead ('public void OnOpen(WebSocketConnection connection)') and keep what later callbacks need in the state
// expect WS0035 at `string room`: Constructor parameter 'room' of 'RoomEndpoint' is the route value 'room': it exists once per connection and is not a service; take it in OnOpen instead ('public void OnOpen(string room)') and keep what later callbacks need in the state
// expect WS0035 at `Request`: Required member 'Request' of 'RoomEndpoint' is the upgrade request's HttpContext: it exists once per connection and is not a service; take it in OnOpen instead ('public void OnOpen(HttpContext request)') and keep what later callbacks need in the state
// generates: none
using Endpoints;
using Microsoft.AspNetCore.Http;

[WebSocketEndpoint("/rooms/{room}")]
public sealed class RoomEndpoint(WebSocketConnection connection, string room)
{
    public required HttpContext Request { get; init; }
    public void OnText(string text) => connection.TrySendText(room + text);
}
