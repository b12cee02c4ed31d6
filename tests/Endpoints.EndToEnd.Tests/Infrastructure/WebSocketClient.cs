using System.Net.WebSockets;
using System.Text;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>Small helpers over <see cref="ClientWebSocket"/> that keep tests short and bounded in time.</summary>
public static class WebSocketClient
{
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(20);

    public static async Task<ClientWebSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    public static async Task SendTextAsync(this ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>Receives one whole message (all fragments) or the close; bounded in time.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(this ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, []);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }

    public static async Task<string> ReceiveTextAsync(this ClientWebSocket socket)
    {
        var (type, data) = await socket.ReceiveMessageAsync();
        Assert.True(type == WebSocketMessageType.Text, $"Expected a text message, got {type} (close status {socket.CloseStatus} '{socket.CloseStatusDescription}').");
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>Reads until the server's close frame and returns its status.</summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(this ClientWebSocket socket)
    {
        while (true)
        {
            var (type, _) = await socket.ReceiveMessageAsync();
            if (type == WebSocketMessageType.Close) return socket.CloseStatus;
        }
    }
}
