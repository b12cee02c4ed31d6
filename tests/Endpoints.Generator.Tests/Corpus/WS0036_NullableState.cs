// OnOpen may return null, a later callback takes it as not nullable: a warning, and the code still works.
// expect WS0036 at `Player`#4: OnOpen may return null ('Player?'), but parameter 'player' of OnText has type 'Player'; change its type to 'Player?' and check for null, or make OnOpen return 'Player'
// generates: MaybeEndpoint
using Endpoints;

public sealed class Player { public string Name = ""; }

[WebSocketEndpoint("/maybe/{name}")]
public sealed class MaybeEndpoint
{
    public Player? OnOpen(string name) => name == "nobody" ? null : new Player { Name = name };
    public void OnText(Player player, string text) { }
    public void OnClose(Player? player, WebSocketCloseInfo close) { }
}
