// IWebSocketClients<T> of endpoint classes: in the endpoint itself, a service, a generic helper and an open typeof.
// generates: Shapes.LobbyEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Shapes;

[WebSocketEndpoint("/lobby")]
public sealed class LobbyEndpoint(IWebSocketClients<LobbyEndpoint> clients)
{
    public Task OnText(string text) => clients.All.SendTextAsync(text).AsTask();
}

public static class Broadcasts
{
    public static Type Open => typeof(IWebSocketClients<>);

    public static Task ToAll<TEndpoint>(IWebSocketClients<TEndpoint> clients, string text) where TEndpoint : class
        => clients.All.SendTextAsync(text).AsTask();

    public static Task Lobby(IServiceProvider services) => ToAll(services.GetRequiredService<IWebSocketClients<LobbyEndpoint>>(), "hi");
}
