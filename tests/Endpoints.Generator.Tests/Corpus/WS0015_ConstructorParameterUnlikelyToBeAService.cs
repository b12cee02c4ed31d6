// A warning: the endpoint still generates.
// expect WS0015 at `string`: Constructor parameter 'connectionString' of 'WarnedEndpoint' has type 'string', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T>, or values of the request in OnOpen
// expect WS0015 at `int?`: Constructor parameter 'retries' of 'WarnedEndpoint' has type 'int?', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T>, or values of the request in OnOpen
// generates: WarnedEndpoint
using Endpoints;

[WebSocketEndpoint("/w")]
public sealed class WarnedEndpoint(string connectionString, int? retries)
{
    public void OnText(string text) { }
}
