// A callback asks for state, but OnOpen returns none or does not exist.
// expect WS0007 at `Member member`: Parameter 'member' of OnClose has type 'Member', which would be this connection's state, but OnOpen returns nothing; make OnOpen return it ('public Member OnOpen(…)'), or remove the parameter
// expect WS0007 at `Member member`#2: Parameter 'member' of OnText has type 'Member', which would be this connection's state, but there is no OnOpen; make OnOpen return it ('public Member OnOpen(…)'), or remove the parameter
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
