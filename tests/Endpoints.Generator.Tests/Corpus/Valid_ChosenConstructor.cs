// Several constructors, one marked [ActivatorUtilitiesConstructor]: that one is called.
// generates: Shapes.ChosenEndpoint
using Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Shapes;

public sealed class Clock { }

[WebSocketEndpoint("/chosen")]
public sealed class ChosenEndpoint
{
    public ChosenEndpoint() { }

    [ActivatorUtilitiesConstructor]
    public ChosenEndpoint(Clock clock) { }

    public void OnText(string text) { }
}
