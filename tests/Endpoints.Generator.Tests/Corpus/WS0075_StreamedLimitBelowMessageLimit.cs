// A streamed limit below the whole-message limit: the two values look swapped.
// expect WS0075 at `4096`: MaxStreamedMessageSize (4096 bytes) is smaller than MaxMessageSize (1048576 bytes), but reading a message while it arrives is for messages too large to hold whole, so the two look swapped; swap them, or make MaxStreamedMessageSize at least 1048576
// generates: Shapes.BackupEndpoint
using System.IO;
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/backup", MaxMessageSize = 1024 * 1024, MaxStreamedMessageSize = 4096)]
public sealed class BackupEndpoint
{
    public void OnText(string command) { }

    public async Task OnBinary(Stream data) => await data.CopyToAsync(Stream.Null);
}
