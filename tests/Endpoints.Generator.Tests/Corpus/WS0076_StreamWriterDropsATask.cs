// Streamed sends whose writer starts a write and does not wait for it: the message ends before the data is in it.
// expect WS0076 at `stream.WriteAsync(data, ct)`: 'WriteAsync' is not awaited, so the writer given to SendBinaryStreamAsync returns before it finishes and the message ends without what it writes; make the writer async ('async (stream, ct) =>') and await it
// expect WS0076 at `source.CopyToAsync(stream)`: 'CopyToAsync' is not awaited, so the writer given to SendBinaryStreamAsync returns before it finishes and the message ends without what it writes; await it
// expect WS0076 at `writer.WriteLineAsync(text)`: 'WriteLineAsync' is not awaited, so the writer given to SendTextStreamAsync returns before it finishes and the message ends without what it writes; make the writer async ('async (writer, _) =>') and await it
// generates: Shapes.DownloadEndpoint
using System;
using System.IO;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/download")]
public sealed class DownloadEndpoint
{
    public async Task OnText(string text, WebSocketConnection connection)
    {
        var data = new byte[16];
        await connection.SendBinaryStreamAsync((stream, ct) =>
        {
            stream.WriteAsync(data, ct);
            return ValueTask.CompletedTask;
        });

        using var source = new MemoryStream(data);
        await connection.SendBinaryStreamAsync(async (stream, ct) =>
        {
            _ = source.CopyToAsync(stream);
            await stream.FlushAsync(ct);
        });

        await connection.SendTextStreamAsync((writer, _) =>
        {
            writer.WriteLineAsync(text);
            return default;
        });
    }
}
