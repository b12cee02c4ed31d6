// A warning: the endpoint still generates.
// expect WS0015 at `connectionString`: Constructor parameter 'connectionString' of 'WarnedEndpoint' has type 'string', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T> or values from the route in OnOpen
// expect WS0015 at `retries`: Constructor parameter 'retries' of 'WarnedEndpoint' has type 'int?', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T> or values from the route in OnOpen
// generates: WarnedEndpoint
using Endpoints;

[WebSocketEndpoint("/w")]
public sealed class WarnedEndpoint(string connectionString, int? retries)
{
    public void OnText(string text) { }
}
