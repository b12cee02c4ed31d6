using System.Net.WebSockets;
using System.Text;

namespace WsApp.Tests;

/// <summary>Starts the real app on Kestrel (a free loopback port) and echoes through the endpoint.</summary>
public sealed class EchoEndpointTests
{
    [Fact]
    public async Task EchoesTextAndBinary()
    {
        await using var app = AppHost.Create(["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{address.Authority}/echo"), timeout.Token);

        await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, timeout.Token);
        var (type, data) = await ReceiveAsync(socket, timeout.Token);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("hello", Encoding.UTF8.GetString(data));

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, timeout.Token);
        (type, data) = await ReceiveAsync(socket, timeout.Token);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(new byte[] { 1, 2, 3 }, data);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task ARequestForAnotherHostNameIsRefused()
    {
        // AllowedHosts (localhost and the loopback addresses unless configured) stops DNS rebinding: a hostile page whose
        // own name resolves to this machine would otherwise pass the WebSocket same-origin check.
        await using var app = AppHost.Create(["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address.Authority}/echo");
        request.Headers.Host = "attacker.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }
}
