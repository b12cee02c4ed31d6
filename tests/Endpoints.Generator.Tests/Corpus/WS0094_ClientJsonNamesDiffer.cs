// A typed client whose own context writes property names unlike the endpoint's: camelCase on the server, as declared
// in the client's, so what the server sends would not fill the client's properties.
// expect WS0094 at `typeof(PlainJson)`: The typed client's context 'PlainJson' writes property names as declared (no naming policy), but the endpoint's context 'WebJson' writes them in CamelCase, so properties may not arrive; give 'PlainJson' the endpoint's naming policy ([JsonSourceGenerationOptions(PropertyNamingPolicy = …)] or JsonSerializerDefaults.Web)
// generates: Shapes.PriceEndpoint
using System.Text.Json;
using System.Text.Json.Serialization;
using Endpoints;
using Endpoints.Client;

namespace Shapes;

public sealed record Subscribe(string Symbol);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Subscribe))]
internal partial class WebJson : JsonSerializerContext;

[JsonSerializable(typeof(Subscribe))]
internal partial class PlainJson : JsonSerializerContext;

[WebSocketEndpoint("/prices", JsonContext = typeof(WebJson))]
public sealed class PriceEndpoint
{
    public void OnMessage(Subscribe subscribe) { }
}

[WebSocketClient(typeof(PriceEndpoint), JsonContext = typeof(PlainJson))]
public sealed partial class PriceClient;
