// The buffer kept by a collection, or queued on the outbox without waiting for the write.
// expect WS0040 at `data`#2: 'data' is kept by '_received.Add', but the buffer is reused once OnBinary returns; copy it with 'data.ToArray()' to keep the data
// expect WS0040 at `data`#3: 'data' is queued by 'TrySendBinary' without waiting for the write, but the buffer is reused once OnBinary returns; send it with 'await connection.SendBinaryAsync(data)', which completes once it is written, or queue a copy ('data.ToArray()')
// expect WS0040 at `data`#4: 'data' is queued by 'TryWrite' without waiting for the write, but the buffer is reused once OnBinary returns; send it with 'await connection.SendBinaryAsync(data)', which completes once it is written, or queue a copy ('data.ToArray()')
// generates: QueueingEndpoint
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/queue")]
public sealed class QueueingEndpoint
{
    private readonly List<ReadOnlyMemory<byte>> _received = new();

    public async ValueTask OnBinary(WebSocketConnection connection, ReadOnlyMemory<byte> data)
    {
        _received.Add(data);
        connection.TrySendBinary(data);
        connection.Outbox.TryWrite(data);
        await connection.SendBinaryAsync(data);            // completes once written: fine
        connection.TrySendBinary(data.ToArray());          // a copy: fine
    }
}
