// Streamed sends whose writer awaits its writes, or returns the task that does them; work in the background that
// does not touch the message is the writer's business.
// generates: Shapes.ExportEndpoint
using System.IO;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/export")]
public sealed class ExportEndpoint
{
    public async Task OnText(string text, WebSocketConnection connection)
    {
        var data = new byte[16];
        using var source = new MemoryStream(data);
        await connection.SendBinaryStreamAsync((stream, ct) => new ValueTask(source.CopyToAsync(stream, ct)));
        await connection.SendBinaryStreamAsync((stream, ct) => stream.WriteAsync(data, ct));
        await connection.SendBinaryStreamAsync(async (stream, ct) =>
        {
            await stream.WriteAsync(data, ct);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        });
        await connection.SendTextStreamAsync((writer, ct) =>
        {
            writer.Write(text);
            _ = Task.Run(async () => await connection.SendTextAsync("sent after the stream"));
            return ValueTask.CompletedTask;
        });
    }
}
