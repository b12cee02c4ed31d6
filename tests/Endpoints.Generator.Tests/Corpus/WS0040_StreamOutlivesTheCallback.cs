// A received stream stored, or read by work that is not awaited: it ends when the callback returns.
// expect WS0040 at `data`#2: 'data' is stored in '_kept', but the stream ends once OnBinary returns; read it before OnBinary returns (await the reads), copying what you need to keep
// expect WS0040 at `data`#3: 'data' is used by 'CopyToAsync', which is not awaited, but the stream ends once OnBinary returns; await it, so that it ends before OnBinary returns
// expect WS0040 at `text`#2: 'text' is captured by a lambda or local function that may run later, but the reader ends once OnText returns; read it before OnText returns (await the reads), copying what you need to keep
// generates: StreamingEndpoint
using System.IO;
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/streaming")]
public sealed class StreamingEndpoint
{
    private Stream? _kept;

    public async ValueTask OnBinary(Stream data)
    {
        _kept = data;
        _ = data.CopyToAsync(Stream.Null);
        await data.CopyToAsync(Stream.Null);   // awaited: fine
    }

    public void OnText(TextReader text) => _ = Task.Run(() => text.ReadToEndAsync());
}
