// A later callback asks for state of another type than OnOpen returns.
// expect WS0003 at `Guest`#2: Parameter 'guest' of OnText has type 'Guest', but OnOpen returns state of type 'Member'; change the parameter's type to 'Member'
// generates: none
using Endpoints;

public sealed class Member { }
public sealed class Guest { }

[WebSocketEndpoint("/chat")]
public sealed class ChatEndpoint
{
    public Member OnOpen() => new Member();
    public void OnText(Guest guest, string text) { }
}
