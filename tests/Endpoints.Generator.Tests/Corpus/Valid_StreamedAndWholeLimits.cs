// Both limits set, the streamed one the larger, on an endpoint that reads text while it arrives.
// generates: Shapes.LogEndpoint
using System.IO;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/logs", MaxMessageSize = 64 * 1024, MaxStreamedMessageSize = 256L * 1024 * 1024)]
public sealed class LogEndpoint
{
    public async Task OnText(TextReader lines) => await lines.ReadToEndAsync();
}
