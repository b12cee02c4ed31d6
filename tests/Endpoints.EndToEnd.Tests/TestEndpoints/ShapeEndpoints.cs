using Endpoints;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

/// <summary>A positional record whose parameter is a service, with a required member the generated code sets from the scope.</summary>
[WebSocketEndpoint("/shapes/record/{name}")]
public sealed record RecordEndpoint(Probe Probe)
{
    public required ScopedResource Scoped { get; init; }

    public string OnOpen(string name)
    {
        Scoped.Key = name;
        Probe.Record(name, "record open");
        return name;
    }

    public ValueTask OnText(string name, WebSocketConnection connection, string text) => connection.SendTextAsync($"{name}:{text}");
}

public sealed class Visitor(string name)
{
    public string Name { get; } = name;
}

/// <summary>A partial class whose state may be null, taken as nullable in a callback declared in the other part.</summary>
[WebSocketEndpoint("/shapes/maybe/{name}")]
public sealed partial class MaybeEndpoint
{
    public Visitor? OnOpen(string name) => name == "nobody" ? null : new Visitor(name);
}

public sealed partial class MaybeEndpoint
{
    public ValueTask OnText(Visitor? visitor, WebSocketConnection connection, string text)
        => connection.SendTextAsync((visitor?.Name ?? "(no one)") + ":" + text);
}
