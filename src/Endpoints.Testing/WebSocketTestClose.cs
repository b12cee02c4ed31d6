using System.Net.WebSockets;

namespace Endpoints.Testing;

/// <summary>How a test connection ended: the close frame the server sent, or none when TCP ended without one.</summary>
/// <param name="Status">The server's close status; null when the connection ended without a close frame.</param>
/// <param name="Description">The server's close description; null or empty when it gave none.</param>
/// <param name="SkippedMessages">
/// Messages that arrived after the last receive and before the close (<see cref="WebSocketTestClient.WaitForCloseAsync"/>
/// skips them); 0 after <see cref="WebSocketTestClient.CloseAsync"/> when none were pending.
/// </param>
public sealed record WebSocketTestClose(WebSocketCloseStatus? Status, string? Description, int SkippedMessages);
