using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Endpoints.EndToEnd.Tests;

/// <summary>A dependency that is not registered fails the app when it maps the endpoint, not when a client connects.</summary>
public sealed class StartupCheckTests
{
    [Fact]
    public async Task MappingAnEndpointWhoseServicesAreNotRegisteredThrowsNamingEachOne()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(
            services: s =>
            {
                s.RemoveAll<Clock>();
                s.RemoveAll<Calendar>();
            },
            map: app => app.MapWebSocketEndpoint<ServiceCheckEndpoint>()));
        Assert.Equal(
            "The WebSocket endpoint Endpoints.EndToEnd.Tests.TestEndpoints.ServiceCheckEndpoint (\"/service-check\") needs services that are not registered: " +
            "Clock (constructor parameter 'clock'); Calendar (required member 'Calendar'); Clock ([FromServices] parameter 'again' of OnOpen). " +
            "Register them before builder.Build(), e.g. builder.Services.AddSingleton<Clock>().",
            error.Message);
    }

    [Fact]
    public async Task AnEndpointThatTakesItsClientsRegistryNeedsAddWebSocketEndpointsAndSaysSo()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(
            addEndpointServices: false, map: app => app.MapWebSocketEndpoint<GroupsEndpoint>()));
        Assert.Equal(
            "The WebSocket endpoint Endpoints.EndToEnd.Tests.TestEndpoints.GroupsEndpoint (\"/groups\") needs services that are not registered: " +
            "IWebSocketClients<GroupsEndpoint> (constructor parameter 'clients'). Register it before builder.Build(), e.g. builder.Services.AddWebSocketEndpoints().",
            error.Message);
    }

    [Fact]
    public async Task OptionalDependenciesMayBeMissing()
    {
        // Almanac is optional (nullable with a default) and is not registered: the endpoint maps and works.
        await using var server = await TestServer.StartAsync(map: app => app.MapWebSocketEndpoint<ServiceCheckEndpoint>());
        using var socket = await WebSocketClient.ConnectAsync(server.WebSocketUri("/service-check"));
        await socket.SendTextAsync("hello");
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }
}
