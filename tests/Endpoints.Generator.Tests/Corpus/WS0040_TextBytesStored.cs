// The UTF-8 bytes of a text message are in the receive buffer too: reused after OnText returns.
// expect WS0040 at `utf8`#2: 'utf8' is stored in '_last', but the buffer is reused once OnText returns; take the text as a string, or copy the bytes with 'utf8.ToArray()', to keep it
// generates: LastTextEndpoint
using System;
using Endpoints;

[WebSocketEndpoint("/last")]
public sealed class LastTextEndpoint
{
    private ReadOnlyMemory<byte> _last;
    private byte[] _copy = [];

    public void OnText(ReadOnlyMemory<byte> utf8)
    {
        _last = utf8;
        _copy = utf8.ToArray();
    }
}
