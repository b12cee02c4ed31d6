namespace Endpoints.Client;

/// <summary>
/// A request that got no reply: the server answered it with an error (the <see cref="Exception.Message"/> is the
/// server's text), or no answer can come because the connection ended or the client closed first
/// (<see cref="ConnectionLost"/>).
/// </summary>
public sealed class EndpointsRequestException : Exception
{
    /// <summary>A request failure without a message.</summary>
    public EndpointsRequestException()
    {
    }

    /// <summary>The server's answer to a request was this error.</summary>
    public EndpointsRequestException(string? message)
        : base(message)
    {
    }

    /// <summary>A request failure caused by <paramref name="innerException"/>.</summary>
    public EndpointsRequestException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A request failure; <paramref name="connectionLost"/> when no answer came because the connection ended.</summary>
    public EndpointsRequestException(string? message, bool connectionLost)
        : base(message)
    {
        ConnectionLost = connectionLost;
    }

    /// <summary>
    /// True when no answer came because the connection ended (or the client closed) first. A request that had been
    /// sent may or may not have been handled by the server; the client does not send it again.
    /// False when the server answered with an error.
    /// </summary>
    public bool ConnectionLost { get; }
}
