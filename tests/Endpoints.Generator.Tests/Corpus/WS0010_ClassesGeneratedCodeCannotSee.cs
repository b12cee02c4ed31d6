// Private, hidden and file-local classes cannot be created by generated code.
// expect WS0010 at `private`: 'PrivateEndpoint' is private, so the generated code cannot create it; make it internal or public
// expect WS0010 at `private`#2: 'InsideHidden' is nested in private 'Hidden', so the generated code cannot create it; make 'Hidden' internal or public
// expect WS0010 at `file`: 'FileLocalEndpoint' is file-local, so the generated code cannot create it; remove 'file' (make it internal or public)
// generates: none
using Endpoints;

public sealed class Outer
{
    [WebSocketEndpoint("/p")]
    private sealed class PrivateEndpoint { public void OnText(string text) { } }

    private sealed class Hidden
    {
        [WebSocketEndpoint("/n")]
        public sealed class InsideHidden { public void OnText(string text) { } }
    }
}

[WebSocketEndpoint("/f")]
file sealed class FileLocalEndpoint { public void OnText(string text) { } }
