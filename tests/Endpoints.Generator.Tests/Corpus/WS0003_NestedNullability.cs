// State types that differ only in nested nullability are still different types for a callback.
// expect WS0003 at `List<string>`: Parameter 'names' of OnText has type 'List<string>', but OnOpen returns state of type 'List<string?>'; change the parameter's type to 'List<string?>'
// generates: none
using System.Collections.Generic;
using Endpoints;

[WebSocketEndpoint("/names")]
public sealed class NamesEndpoint
{
    public List<string?> OnOpen() => new();
    public void OnText(List<string> names, string text) { }
}
