using System.Net;

namespace Endpoints.Testing;

/// <summary>
/// The server answered a test connection's upgrade with an HTTP status instead of 101: 401 or 403 from authorization,
/// 400 for a route value that does not parse, 404 for a path nothing maps, 429 from a rate limiter.
/// </summary>
public sealed class WebSocketUpgradeRefusedException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> refused with <paramref name="statusCode"/>.</summary>
    public WebSocketUpgradeRefusedException(string path, HttpStatusCode statusCode, Exception? innerException = null)
        : base($"The WebSocket upgrade to {path} was refused: HTTP {(int)statusCode} ({statusCode}).", innerException)
    {
        Path = path;
        StatusCode = statusCode;
    }

    /// <summary>The path and query the connection asked for.</summary>
    public string Path { get; }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }
}
