// Only a class is an endpoint; the attribute elsewhere gets advice instead of the compiler's CS0592.
// expect WS0017 at `record struct Point`: [WebSocketEndpoint] marks a class, but 'Point' is a record struct; declare it as a 'record' (a record class) instead
// expect WS0017 at `struct Plain`: [WebSocketEndpoint] marks a class, but 'Plain' is a struct; declare it as a 'class' instead
// expect WS0017 at `interface IChat`: [WebSocketEndpoint] marks a class, but 'IChat' is an interface, which cannot be created; put it on a class that implements the interface
// expect WS0017 at `OnText`#4: [WebSocketEndpoint] marks a class, but 'OnText' is a method; put it on the class, and name the method OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError
// generates: none
using Endpoints;

[WebSocketEndpoint("/point")]
public record struct Point(int X) { public void OnText(string text) { } }

[WebSocketEndpoint("/plain")]
public struct Plain { public void OnText(string text) { } }

[WebSocketEndpoint("/chat")]
public interface IChat { void OnText(string text); }

public sealed class Holder
{
    [WebSocketEndpoint("/method")]
    public void OnText(string text) { }
}
