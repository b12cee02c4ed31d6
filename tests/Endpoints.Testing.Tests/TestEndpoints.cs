using Endpoints;
using Microsoft.AspNetCore.Authorization;

namespace Endpoints.Testing.Tests;

/// <summary>Says who the connection is, then echoes.</summary>
[WebSocketEndpoint("/whoami")]
public sealed class WhoAmIEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendTextAsync(connection.UserId ?? "anonymous");

    public ValueTask OnText(WebSocketConnection connection, string text) => connection.SendTextAsync(text);
}

/// <summary>Only for signed-in users: 401 before the upgrade otherwise.</summary>
[Authorize]
[WebSocketEndpoint("/private")]
public sealed class PrivateEndpoint
{
    public ValueTask OnOpen(WebSocketConnection connection) => connection.SendTextAsync($"hello, {connection.UserId}");
}

/// <summary>Echoes, and closes with 1008 when told "bye" (after a last word).</summary>
[WebSocketEndpoint("/talk")]
public sealed class TalkEndpoint(Greeting greeting)
{
    public async Task OnText(WebSocketConnection connection, string text)
    {
        if (text == "bye")
        {
            await connection.SendTextAsync("so long");
            await connection.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "told to go");
            return;
        }
        await connection.SendTextAsync($"{greeting.Word}: {text}");
    }

    public ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data) => connection.SendBinaryAsync(data);
}

public sealed class Greeting
{
    public string Word { get; init; } = "heard";
}
