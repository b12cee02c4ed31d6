// Messages read while they arrive: OnBinary(Stream) and OnText(TextReader), with state and the other parameters.
// generates: Shapes.UploadEndpoint
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

public sealed class Upload { public long Bytes; }

[WebSocketEndpoint("/upload/{name}", MaxStreamedMessageSize = 512L * 1024 * 1024)]
public sealed class UploadEndpoint
{
    public Upload OnOpen(string name) => new();

    public async ValueTask OnBinary(Upload upload, Stream data, CancellationToken closed)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await data.ReadAsync(buffer, closed)) > 0) upload.Bytes += read;
    }

    public async Task OnText(Upload upload, TextReader text, WebSocketConnection connection)
    {
        var line = await text.ReadLineAsync();
        await connection.SendTextAsync($"{upload.Bytes} bytes so far; first line: {line}");
    }
}
