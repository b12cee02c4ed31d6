using System.Net.WebSockets;

namespace Endpoints;

/// <summary>
/// One outgoing message: a string goes out as a text frame, bytes as a binary frame. Converts implicitly
/// from <see cref="string"/>, <see cref="byte"/>[] and <see cref="ReadOnlyMemory{T}"/> so
/// <c>connection.Outbox.TryWrite("hello")</c> reads naturally.
/// </summary>
/// <remarks>Binary memory is read when the frame is written, so do not change it after handing it over.</remarks>
public readonly struct WebSocketMessage
{
    private WebSocketMessage(string? text, ReadOnlyMemory<byte> binary, WebSocketMessageType type)
    {
        Text = text;
        Binary = binary;
        MessageType = type;
    }

    /// <summary>The text of a text message; <see langword="null"/> for a binary one.</summary>
    public string? Text { get; }

    /// <summary>The payload of a binary message; empty for a text one.</summary>
    public ReadOnlyMemory<byte> Binary { get; }

    /// <summary><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>A text message.</summary>
    public static WebSocketMessage FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new WebSocketMessage(text, default, WebSocketMessageType.Text);
    }

    /// <summary>A binary message.</summary>
    public static WebSocketMessage FromBinary(ReadOnlyMemory<byte> data) => new(null, data, WebSocketMessageType.Binary);

    /// <summary>A text message.</summary>
    public static implicit operator WebSocketMessage(string text) => FromText(text);

    /// <summary>A binary message.</summary>
    public static implicit operator WebSocketMessage(byte[] data) => FromBinary(data);

    /// <summary>A binary message.</summary>
    public static implicit operator WebSocketMessage(ReadOnlyMemory<byte> data) => FromBinary(data);
}
