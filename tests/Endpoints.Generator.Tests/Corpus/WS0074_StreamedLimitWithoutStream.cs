// MaxStreamedMessageSize on an endpoint that reads no message while it arrives: it limits nothing.
// expect WS0074 at `MaxStreamedMessageSize = 64L * 1024 * 1024`: MaxStreamedMessageSize limits messages read while they arrive (OnBinary(Stream), OnText(TextReader)), but 'FilesEndpoint' has none, so it does nothing; remove it, or set MaxMessageSize to limit whole messages
// generates: Shapes.FilesEndpoint
using System;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/files", MaxStreamedMessageSize = 64L * 1024 * 1024)]
public sealed class FilesEndpoint
{
    public void OnBinary(ReadOnlyMemory<byte> data) { }
}
