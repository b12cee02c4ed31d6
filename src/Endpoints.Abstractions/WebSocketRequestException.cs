namespace Endpoints;

/// <summary>
/// A request over <c>endpoints.v1</c> that got no reply. Thrown by an <c>OnMessage</c> to reject a client's request
/// with a message the client sees (any other exception reaches the client as a generic error, so server details never
/// leak); thrown by <see cref="WebSocketConnection.RequestAsync{TMessage, TReply}"/> when the client rejected the
/// request or the connection ended before the reply.
/// </summary>
public class WebSocketRequestException : Exception
{
    /// <summary>Creates the exception with a message for the other side.</summary>
    public WebSocketRequestException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the other side and what caused it.</summary>
    public WebSocketRequestException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Whether the connection ended before the reply arrived (the request may or may not have been handled).</summary>
    public bool ConnectionEnded { get; init; }
}
