using System.Threading.Channels;

namespace Endpoints.Redis;

/// <summary>An auto-reset signal for a loop with one waiter: a set while it works is not lost.</summary>
internal sealed class Wakeup
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Set() => _signal.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken) => await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
}
