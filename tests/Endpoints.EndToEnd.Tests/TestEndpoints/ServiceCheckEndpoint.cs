using Endpoints;
using Microsoft.AspNetCore.Mvc;

namespace Endpoints.EndToEnd.Tests.TestEndpoints;

public sealed class Clock { }

public sealed class Calendar { }

public sealed class Almanac { }

/// <summary>Needs three services, registered by the test server; the startup check test takes them away.</summary>
[WebSocketEndpoint("/service-check")]
public sealed class ServiceCheckEndpoint(Clock clock, Almanac? almanac = null)
{
    public required Calendar Calendar { get; init; }

    public void OnOpen([FromServices] Clock again) { }

    public void OnText(string text) => _ = (clock, almanac, Calendar);
}
