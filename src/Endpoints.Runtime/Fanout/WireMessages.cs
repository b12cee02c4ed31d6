using System.Net.WebSockets;
using System.Text;

namespace Endpoints.Runtime.Fanout;

/// <summary>A message as bytes and back: how backplanes and histories carry it (text as UTF-8).</summary>
internal static class WireMessages
{
    public static WebSocketMessage FromBytes(WebSocketMessageType messageType, ReadOnlyMemory<byte> payload)
        => messageType == WebSocketMessageType.Text ? WebSocketMessage.FromUtf8Text(payload) : WebSocketMessage.FromBinary(payload);

    /// <summary>The message's bytes; a text made from a string is encoded here.</summary>
    public static ReadOnlyMemory<byte> Bytes(WebSocketMessage message)
        => message.Text is { } text ? Encoding.UTF8.GetBytes(text) : message.MessageType == WebSocketMessageType.Binary ? message.Binary : message.Utf8Text;
}
