// What ASP.NET Core's RoutePatternFactory.Parse rejects, and names no C# parameter can have.
// expect WS0022 at `"/files/{*path}/raw"`: The route pattern "/files/{*path}/raw" is not valid: the catch-all parameter 'path' must be the last thing in the pattern
// expect WS0022 at `"/chat?room={room}"`: The route pattern "/chat?room={room}" is not valid: '?room={room}' is a query string, but a route pattern matches only the path; remove it and take query values with [FromQuery]
// expect WS0022 at `"/pair/{a}{b}"`: The route pattern "/pair/{a}{b}" is not valid: the parameters 'a' and 'b' follow each other with nothing between them, so neither knows where it ends; put a literal between them
// expect WS0022 at `"/ver/{major}-{minor?}"`: The route pattern "/ver/{major}-{minor?}" is not valid: the optional parameter 'minor' may only follow a '.' in its segment
// expect WS0022 at `"/page/{n=1?}"`: The route pattern "/page/{n=1?}" is not valid: the parameter 'n' is optional and has a default value; keep one of the two
// expect WS0022 at `"/double//slash"`: The route pattern "/double//slash" is not valid: the '/' at position 9 follows another '/'; remove the empty segment
// expect WS0022 at `"/user/{user-id}"`: The route pattern "/user/{user-id}" is not valid: no callback parameter can take the route value 'user-id', because it is not a C# identifier; rename it, e.g. '{userId}'
// generates: none
using Endpoints;

[WebSocketEndpoint("/files/{*path}/raw")]
public sealed class CatchAllNotLast { public void OnOpen(string path) { } }

[WebSocketEndpoint("/chat?room={room}")]
public sealed class QueryInPattern { public void OnOpen(string room) { } }

[WebSocketEndpoint("/pair/{a}{b}")]
public sealed class Adjacent { public void OnOpen(string a, string b) { } }

[WebSocketEndpoint("/ver/{major}-{minor?}")]
public sealed class OptionalAfterDash { public void OnOpen(string major, string? minor) { } }

[WebSocketEndpoint("/page/{n=1?}")]
public sealed class OptionalWithDefault { public void OnOpen(int n) { } }

[WebSocketEndpoint("/double//slash")]
public sealed class EmptySegment { public void OnText(string text) { } }

[WebSocketEndpoint("/user/{user-id}")]
public sealed class DashedName { public void OnText(string text) { } }
