// Methods that look like callbacks but are never called.
// expect WS0030 at `OnTxt`: 'OnTxt' is not a callback name, so it is never called; rename it to 'OnText'
// expect WS0030 at `OnMesage`: 'OnMesage' is not a callback name, so it is never called; rename it to 'OnText'
// expect WS0030 at `OnDisconnected`: 'OnDisconnected' is not a callback name, so it is never called; rename it to 'OnClose'
// generates: TypoEndpoint
using Endpoints;

[WebSocketEndpoint("/t")]
public sealed class TypoEndpoint
{
    public void OnOpen() { }
    public void OnTxt(string text) { }
    public void OnMesage(string text) { }
    public void OnDisconnected() { }
    public void OnOpened() { } // OnOpen exists: renaming would only make an overload
    public void OnTick() { }   // not close to any callback
}
