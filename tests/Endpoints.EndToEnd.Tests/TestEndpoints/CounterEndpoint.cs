using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public sealed class Counter(string name, WebSocketConnection connection)
{
    public string Name { get; } = name;
    public WebSocketConnection Connection { get; } = connection;
    public int Messages { get; set; }
}

/// <summary>State threading: OnOpen's counter comes back in every later callback of the same connection.</summary>
[WebSocketEndpoint("/counter/{name}")]
public sealed class CounterEndpoint(Probe probe, ScopedResource scoped)
{
    public async Task<Counter> OnOpen(WebSocketConnection connection, string name)
    {
        scoped.Key = name;
        await Task.Yield();
        probe.Record(name, "open");
        return new Counter(name, connection);
    }

    public ValueTask OnText(Counter counter, string text)
    {
        counter.Messages++;
        return counter.Connection.SendTextAsync($"{counter.Name}:{counter.Messages}:{text}");
    }

    public void OnClose(Counter counter, WebSocketCloseInfo close)
    {
        probe.Record(counter.Name, "close after " + counter.Messages);
        probe.Closes.Add((counter.Name, close));
    }
}
