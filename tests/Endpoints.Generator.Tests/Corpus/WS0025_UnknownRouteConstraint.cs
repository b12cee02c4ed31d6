// A constraint ASP.NET Core does not know fails every request unless the app registers it: a warning.
// expect WS0025 at `{id:integer}`: 'integer' is not a built-in route constraint (int, bool, datetime, decimal, double, float, guid, long, minlength, maxlength, length, min, max, range, alpha, regex, required, file, nonfile), so every request to "/items/{id:integer}" fails unless the app registers it in RouteOptions.ConstraintMap; use a built-in one, e.g. 'int'
// generates: ConstrainedEndpoint
using Endpoints;

[WebSocketEndpoint("/items/{id:integer}")]
public sealed class ConstrainedEndpoint { public void OnOpen(int id) { } }
