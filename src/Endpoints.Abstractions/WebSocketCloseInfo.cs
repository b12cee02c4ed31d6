using System.Net.WebSockets;

namespace Endpoints;

/// <summary>How a connection closed: the close status and description exchanged (if any) and why.</summary>
/// <param name="Status">
/// The close status sent or received; <see langword="null"/> when no close frame was exchanged, or when the
/// WebSocket implementation failed the connection itself (a protocol violation it detected in a frame).
/// </param>
/// <param name="Description">The close description, if one was given.</param>
/// <param name="Reason">Why the connection ended.</param>
public readonly record struct WebSocketCloseInfo(WebSocketCloseStatus? Status, string? Description, WebSocketCloseReason Reason);
