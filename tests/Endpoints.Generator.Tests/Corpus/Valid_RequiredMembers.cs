// Required members are set by the generated code from services; a constructor with [SetsRequiredMembers] sets them itself.
// generates: Shapes.RequiredEndpoint, Shapes.SetsItselfEndpoint
using System.Diagnostics.CodeAnalysis;
using Endpoints;
using Microsoft.Extensions.Logging;

namespace Shapes;

public sealed class Rooms { }

[WebSocketEndpoint("/required")]
public sealed class RequiredEndpoint(ILogger<RequiredEndpoint> log)
{
    public required Rooms Rooms { get; init; }
    public required Greeting? Optional { get; set; }
    public void OnText(string text) => log.LogInformation("{Text} in {Rooms}", text, Rooms);
}

public sealed class Greeting { }

[WebSocketEndpoint("/sets-itself")]
public sealed class SetsItselfEndpoint
{
    [SetsRequiredMembers]
    public SetsItselfEndpoint(Rooms rooms) => Rooms = rooms;

    public required Rooms Rooms { get; init; }
    public void OnText(string text) { }
}
