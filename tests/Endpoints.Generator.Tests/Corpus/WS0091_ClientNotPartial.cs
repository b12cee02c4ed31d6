// Typed client classes the generator cannot complete: not partial, a record, static, generic, with a base class of
// their own, nested in a class that is not partial. A partial class nested in partial classes is fine.
// expect WS0091 at `PlainClient`: 'PlainClient' is not partial, so the generator cannot write the typed client's other half; declare it 'partial class PlainClient'
// expect WS0091 at `RecordClient`: 'RecordClient' is a record, and a record cannot derive from TypedEndpointsClient, so the generator cannot write the typed client's other half; declare it 'partial class RecordClient'
// expect WS0091 at `static`: 'StaticClient' is static, so the generator cannot write the typed client's other half; remove 'static': a typed client is an object over its connection
// expect WS0091 at `<T>`: 'GenericClient' is generic, so the generator cannot write the typed client's other half; remove its type parameters: the endpoint's contract decides every type
// expect WS0091 at `DerivedClient`: 'DerivedClient' derives from 'Connection', so the generator cannot write the typed client's other half; remove the base class: the typed client derives from Endpoints.Client.TypedEndpointsClient
// expect WS0091 at `Outer`: 'InnerClient' is nested in 'Outer', which is not partial, so the generator cannot write the typed client's other half; declare 'Outer' partial as well
// generates: Shapes.EchoEndpoint
using Endpoints;
using Endpoints.Client;

namespace Shapes;

[WebSocketEndpoint("/echo")]
public sealed class EchoEndpoint
{
    public void OnText(string text) { }
}

public class Connection { }

[WebSocketClient(typeof(EchoEndpoint))]
public sealed class PlainClient { }

[WebSocketClient(typeof(EchoEndpoint))]
public sealed partial record RecordClient;

[WebSocketClient(typeof(EchoEndpoint))]
public static partial class StaticClient { }

[WebSocketClient(typeof(EchoEndpoint))]
public sealed partial class GenericClient<T> { }

[WebSocketClient(typeof(EchoEndpoint))]
public sealed partial class DerivedClient : Connection { }

public static class Outer
{
    [WebSocketClient(typeof(EchoEndpoint))]
    public sealed partial class InnerClient;
}

public static partial class Clients
{
    public partial class Group
    {
        [WebSocketClient(typeof(EchoEndpoint))]
        public sealed partial class NestedClient;
    }
}
