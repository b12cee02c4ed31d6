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
    private readonly ReadOnlyMemory<byte> _data;

    private WebSocketMessage(string? text, ReadOnlyMemory<byte> data, WebSocketMessageType type)
    {
        Text = text;
        _data = data;
        MessageType = type;
    }

    /// <summary>The text of a text message made from a string; <see langword="null"/> for a binary one or one made from UTF-8 bytes.</summary>
    public string? Text { get; }

    /// <summary>The payload of a binary message; empty for a text one.</summary>
    public ReadOnlyMemory<byte> Binary => MessageType == WebSocketMessageType.Binary ? _data : default;

    /// <summary>The UTF-8 bytes of a text message made with <see cref="FromUtf8Text"/>; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Utf8Text => MessageType == WebSocketMessageType.Text ? _data : default;

    /// <summary><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>A text message.</summary>
    public static WebSocketMessage FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new WebSocketMessage(text, default, WebSocketMessageType.Text);
    }

    /// <summary>
    /// A text message already encoded as UTF-8 (for example once for many receivers). The bytes must be valid UTF-8;
    /// they are read when the frame is written.
    /// </summary>
    public static WebSocketMessage FromUtf8Text(ReadOnlyMemory<byte> utf8) => new(null, utf8, WebSocketMessageType.Text);

    /// <summary>A binary message.</summary>
    public static WebSocketMessage FromBinary(ReadOnlyMemory<byte> data) => new(null, data, WebSocketMessageType.Binary);

    /// <summary>The payload's length in bytes (for text made from a string, its UTF-8 length).</summary>
    public int ByteCount => Text is { } text ? System.Text.Encoding.UTF8.GetByteCount(text) : _data.Length;

    /// <summary>A text message.</summary>
    public static implicit operator WebSocketMessage(string text) => FromText(text);

    /// <summary>A binary message.</summary>
    public static implicit operator WebSocketMessage(byte[] data) => FromBinary(data);

    /// <summary>A binary message.</summary>
    public static implicit operator WebSocketMessage(ReadOnlyMemory<byte> data) => FromBinary(data);
}
