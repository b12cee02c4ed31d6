// A typed client of an endpoint that has an error of its own: the endpoint's error says what to fix, and the client
// says why it has no members yet.
// expect WS0001 at `BrokenEndpoint`: 'BrokenEndpoint' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError, so nothing would ever run; add at least one, e.g. 'public void OnText(string text)'
// expect WS0093 at `typeof(BrokenEndpoint)`: The contract of 'BrokenEndpoint' cannot be read (it has errors of its own, reported where they are), so the typed client 'BrokenClient' gets no code; fix the endpoint, or, when it is another project's, reference what that project references (its packages, the assemblies that define the types its callbacks name)
// generates: none
using Endpoints;
using Endpoints.Client;

namespace Shapes;

[WebSocketEndpoint("/broken")]
public sealed class BrokenEndpoint
{
}

[WebSocketClient(typeof(BrokenEndpoint))]
public sealed partial class BrokenClient;
