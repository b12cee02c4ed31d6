using System.Buffers;
using System.Net.WebSockets;

namespace Benchmarks;

/// <summary>
/// The best receive loop a careful developer writes by hand against the WebSocket API, and the baseline the
/// benchmarks compare Endpoints with: an idle connection parks on a zero-byte read and holds no buffer (as
/// SignalR's WebSocket transport does); a pooled buffer is rented when a message starts, grown for
/// fragments and returned after the message is handled; a proper answer to the client's close.
/// </summary>
internal static class HandWrittenLoop
{
    private const int MaxMessageSize = 2 * 1024 * 1024;
    private const int FirstBufferSize = 4096;

    public static async Task RunAsync(WebSocket socket, Func<WebSocket, ReadOnlyMemory<byte>, WebSocketMessageType, ValueTask> onMessage)
    {
        try
        {
            while (true)
            {
                // Waits for the next frame without a buffer: an idle connection costs no pooled memory.
                var start = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (start.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }
                if (start.EndOfMessage)
                {
                    await onMessage(socket, ReadOnlyMemory<byte>.Empty, start.MessageType);
                    continue;
                }
                if (!await ReceiveMessageAsync(socket, onMessage)) return;
            }
        }
        catch (WebSocketException)
        {
            // The client went away.
        }
    }

    private static async ValueTask<bool> ReceiveMessageAsync(WebSocket socket, Func<WebSocket, ReadOnlyMemory<byte>, WebSocketMessageType, ValueTask> onMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FirstBufferSize);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (buffer.Length >= MaxMessageSize)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None);
                        return false;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return false;
                }
                count += result.Count;
                if (!result.EndOfMessage) continue;
                await onMessage(socket, buffer.AsMemory(0, count), result.MessageType);
                return true;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Echo: each message goes back as it came.</summary>
    public static Task EchoAsync(WebSocket socket)
        => RunAsync(socket, static (socket, message, type) => socket.SendAsync(message, type, true, CancellationToken.None));
}
