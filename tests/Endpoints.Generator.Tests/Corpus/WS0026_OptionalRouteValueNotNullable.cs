// An optional segment taken as a type that cannot be null: a request without it gets 400.
// expect WS0026 at `int`: The route parameter 'page' is optional, but parameter 'page' of OnOpen has type 'int', which cannot be null, so a request without it gets 400; change the type to 'int?'
// generates: PagedEndpoint
using Endpoints;

[WebSocketEndpoint("/feed/{page?}")]
public sealed class PagedEndpoint { public void OnOpen(int page) { } }
