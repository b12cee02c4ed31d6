// Attribute values the runtime would reject or ignore.
// expect WS0027 at `-1`: MaxMessageSize is -1; give the largest message in bytes (greater than 0), or leave it out to use WebSocketEndpointOptions.MaxMessageSize
// expect WS0027 at `"app.example.com"`: "app.example.com" in AllowedOrigins is not an origin (a scheme, a host and maybe a port, as a browser sends it); write "https://app.example.com"
// expect WS0027 at `"wss://live.example.com"`: "wss://live.example.com" in AllowedOrigins is not an origin (a scheme, a host and maybe a port, as a browser sends it); write "https://live.example.com"
// expect WS0027 at `"https://example.com/app"`: "https://example.com/app" in AllowedOrigins is not an origin (a scheme, a host and maybe a port, as a browser sends it); write "https://example.com"
// expect WS0027 at `"chat v1"`: the subprotocol "chat v1" contains ' ', which a Sec-WebSocket-Protocol name cannot hold; give each subprotocol as its own string, using letters, digits and !#$%&'*+-.^_`|~ only
// expect WS0027 at `"json"`#2: SubProtocols lists "json" twice; remove one
// generates: none
using Endpoints;

[WebSocketEndpoint("/settings", MaxMessageSize = -1,
    AllowedOrigins = ["app.example.com", "wss://live.example.com", "https://example.com/app", "https://ok.example.com", "*"],
    SubProtocols = new[] { "chat v1", "json", "json" })]
public sealed class SettingsEndpoint { public void OnText(string text) { } }
