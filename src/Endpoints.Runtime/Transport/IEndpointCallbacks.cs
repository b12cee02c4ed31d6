namespace Endpoints.Runtime.Transport;

/// <summary>
/// What the receive loop calls for one connection: the endpoint's callbacks with their arguments bound (the generated
/// handler is this), and which kinds of message the endpoint takes.
/// </summary>
internal interface IEndpointCallbacks
{
    /// <summary>Whether the endpoint has <c>OnText</c>; text messages are refused with 1003 otherwise.</summary>
    bool AcceptsText { get; }

    /// <summary>Whether the endpoint has <c>OnBinary</c>; binary messages are refused with 1003 otherwise.</summary>
    bool AcceptsBinary { get; }

    /// <summary>Whether <c>OnText</c> reads text messages while they arrive.</summary>
    bool StreamsText { get; }

    /// <summary>Whether <c>OnBinary</c> reads binary messages while they arrive.</summary>
    bool StreamsBinary { get; }

    ValueTask OnOpenAsync();

    ValueTask OnTextAsync(ReadOnlyMemory<byte> utf8);

    ValueTask OnBinaryAsync(ReadOnlyMemory<byte> data);

    ValueTask OnTextStreamAsync(TextReader text);

    ValueTask OnBinaryStreamAsync(Stream data);

    ValueTask OnCloseAsync(WebSocketCloseInfo close);

    ValueTask OnErrorAsync(Exception error);
}
