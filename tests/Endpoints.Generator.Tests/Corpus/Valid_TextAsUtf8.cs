// Text taken as its UTF-8 bytes, not decoded, and relayed as text; awaiting the send keeps the buffer valid.
// generates: RelayEndpoint
using System;
using System.Threading.Tasks;
using Endpoints;

[WebSocketEndpoint("/relay")]
public sealed class RelayEndpoint
{
    public async ValueTask OnText(WebSocketConnection connection, ReadOnlyMemory<byte> utf8)
    {
        await connection.SendTextAsync(utf8);
    }
}
