using System.Buffers;
using System.Net.WebSockets;

namespace Benchmarks;

/// <summary>
/// The receive loop a careful developer writes by hand against the WebSocket API: a pooled buffer that grows
/// for fragments, whole messages handed on, a proper answer to the client's close. The baseline the
/// benchmarks compare Endpoints with.
/// </summary>
internal static class HandWrittenLoop
{
    private const int MaxMessageSize = 1024 * 1024;

    public static async Task RunAsync(WebSocket socket, Func<WebSocket, ReadOnlyMemory<byte>, WebSocketMessageType, ValueTask> onMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
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
                        return;
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
                    return;
                }
                count += result.Count;
                if (!result.EndOfMessage) continue;
                await onMessage(socket, buffer.AsMemory(0, count), result.MessageType);
                count = 0;
            }
        }
        catch (WebSocketException)
        {
            // The client went away.
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
