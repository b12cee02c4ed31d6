// A struct state is a copy in each callback: what a callback assigns to it is lost when it returns.
// expect WS0062 at `tally.Count`: 'tally.Count' is assigned, but OnText gets a copy of the state (the struct 'Tally'), so the change is lost when it returns; make 'Tally' a class, so that every callback gets the same instance, or keep what changes in a field of the endpoint (there is one instance per connection)
// expect WS0062 at `tally.Last`: 'tally.Last' is assigned, but OnText gets a copy of the state (the struct 'Tally'), so the change is lost when it returns; make 'Tally' a class, so that every callback gets the same instance, or keep what changes in a field of the endpoint (there is one instance per connection)
// expect WS0062 at `tally`#8: 'tally' is assigned, but OnClose gets a copy of the state (the struct 'Tally'), so the change is lost when it returns; make 'Tally' a class, so that every callback gets the same instance, or keep what changes in a field of the endpoint (there is one instance per connection)
// expect WS0062 at `count`#3: 'count' is assigned, but OnText gets a copy of the state (the struct 'int'), so the change is lost when it returns; keep what changes in a field of the endpoint (there is one instance per connection)
// generates: TallyEndpoint, CountEndpoint
using System.Collections.Generic;
using Endpoints;

public struct Tally
{
    public int Count;
    public string? Last { get; set; }
    public List<string> Seen;
}

[WebSocketEndpoint("/tally")]
public sealed class TallyEndpoint
{
    public Tally OnOpen() => new() { Seen = new() };

    public void OnText(Tally tally, string text)
    {
        tally.Count++;
        tally.Last = text;
        tally.Seen.Add(text); // the list is shared: this change is kept
        var copy = tally;
        copy.Count = 0; // a local copy, changed on purpose
    }

    public void OnClose(Tally tally, WebSocketCloseInfo close) => tally = default;
}

[WebSocketEndpoint("/count")]
public sealed class CountEndpoint
{
    public int OnOpen() => 0;

    public void OnText(int count, string text) => count += text.Length;
}
