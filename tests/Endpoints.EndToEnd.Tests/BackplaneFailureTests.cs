using System.Net.WebSockets;
using Endpoints.EndToEnd.Tests.Infrastructure;
using Endpoints.EndToEnd.Tests.TestEndpoints;
using Endpoints.Scaleout;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.EndToEnd.Tests;

/// <summary>A backplane is another party's code: when it throws, the connection it was taking still ends cleanly.</summary>
public sealed class BackplaneFailureTests
{
    [Fact]
    public async Task ABackplaneThatThrowsWhileTakingARegistrationLeavesNoConnectionBehind()
    {
        await using var server = await TestServer.StartAsync(services: s => s.AddSingleton<IWebSocketBackplane, ThrowingBackplane>());
        var clients = server.Services.GetRequiredService<IWebSocketClients<CounterEndpoint>>();

        using var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(server.WebSocketUri("/counter/thrown"), CancellationToken.None);
            await socket.ReceiveAsync(new byte[16], CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The upgrade or the connection fails: what matters is what the server keeps.
        }

        await Eventually.WaitUntilAsync(() => server.Probe.RequestEnded("/counter/thrown"), "the connection's request to end");
        Assert.Equal(0, await clients.Presence.CountConnectionsAsync());
        Assert.Empty(server.Probe.EventsOf("thrown"));
    }

    /// <summary>Throws from the wait for a registration, synchronously, as a careless implementation might.</summary>
    private sealed class ThrowingBackplane : IWebSocketBackplane
    {
        public string NodeId => "throwing";

        public void Start(IWebSocketBackplaneHost host)
        {
        }

        public void Publish(BackplaneMessage message)
        {
        }

        public void OnLocalChange(string endpoint, WebSocketPresenceChange change)
        {
        }

        public ValueTask WhenAppliedAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("The backplane broke.");

        public ValueTask<bool> ChangeRemoteGroupAsync(string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken)
            => ValueTask.FromResult(false);

        public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteGroupMembersAsync(string endpoint, string group, CancellationToken cancellationToken)
            => ValueTask.FromResult<IReadOnlyList<WebSocketGroupMember>>([]);

        public ValueTask<IReadOnlyList<WebSocketGroupMember>> GetRemoteConnectionsAsync(string endpoint, CancellationToken cancellationToken)
            => ValueTask.FromResult<IReadOnlyList<WebSocketGroupMember>>([]);
    }
}
