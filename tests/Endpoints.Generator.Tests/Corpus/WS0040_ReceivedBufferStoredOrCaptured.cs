// The received buffer is reused after OnBinary returns.
// expect WS0040 at `data`#2: 'data' is stored in '_last', but the buffer is reused once OnBinary returns; copy it with 'data.ToArray()' to keep the data
// expect WS0040 at `data`#3: 'data' is stored in 'Latest', but the buffer is reused once OnBinary returns; copy it with 'data.ToArray()' to keep the data
// expect WS0040 at `data`#6: 'data' is captured by a lambda or local function that may run later, but the buffer is reused once OnBinary returns; copy it with 'data.ToArray()' to keep the data
// generates: KeepingEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/keep")]
public sealed class KeepingEndpoint
{
    private ReadOnlyMemory<byte> _last;
    private byte[] _copy = [];
    public ReadOnlyMemory<byte> Latest { get; set; }

    public void OnBinary(ReadOnlyMemory<byte> data)
    {
        _last = data;
        Latest = data;
        _copy = data.ToArray();                       // a copy is fine
        var length = data.Length;                     // so is reading it now
        _ = Task.Run(() => Console.WriteLine(data.Length));
    }
}
