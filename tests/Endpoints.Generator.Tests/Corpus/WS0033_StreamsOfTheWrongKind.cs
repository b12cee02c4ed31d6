// A stream on OnText, a reader on OnBinary, and concrete stream types: each is told the type it should be.
// expect WS0033 at `Stream`: Parameter 'text' of OnText has type 'Stream', but OnText receives the message as string (or ReadOnlyMemory<byte>, its UTF-8 bytes; or TextReader, to read it while it arrives); change the parameter's type to TextReader
// expect WS0033 at `MemoryStream`: Parameter 'data' of OnBinary has type 'MemoryStream', but OnBinary receives the message as ReadOnlyMemory<byte> (or Stream, to read it while it arrives); change the parameter's type to Stream
// generates: none
using System.IO;
using Endpoints;

[WebSocketEndpoint("/upload")]
public sealed class UploadEndpoint
{
    public void OnText(Stream text) { }
    public void OnBinary(MemoryStream data) { }
}
