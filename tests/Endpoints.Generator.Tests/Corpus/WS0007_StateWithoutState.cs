// A callback asks for state, but OnOpen returns none or does not exist.
// expect WS0007 at `member`: Parameter 'member' of OnClose has type 'Member', but OnOpen returns no state; return the state from OnOpen, mark the parameter [FromServices], or remove it
// expect WS0007 at `member`#2: Parameter 'member' of OnText has type 'Member', but there is no OnOpen to return state; return the state from OnOpen, mark the parameter [FromServices], or remove it
// generates: none
using Endpoints;

public sealed class Member { }

[WebSocketEndpoint("/a")]
public sealed class NoStateEndpoint
{
    public void OnOpen() { }
    public void OnClose(Member member) { }
}

[WebSocketEndpoint("/b")]
public sealed class NoOpenEndpoint
{
    public void OnText(Member member, string text) { }
}
