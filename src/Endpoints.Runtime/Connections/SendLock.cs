using System.Runtime.CompilerServices;

namespace Endpoints.Runtime;

/// <summary>
/// Who may write to the socket: one writer at a time. A sender that finds the socket free takes it and writes
/// directly; the outbox pump takes it to drain the queue. Taking and giving it back are single atomic operations,
/// and only the pump ever waits for it, so a direct send never blocks.
/// </summary>
internal sealed class SendLock
{
    // 1 while a writer holds the lock.
    private int _held;
    // 1 while the pump waits for a direct writer to give the lock back; _released wakes it.
    private int _pumpWaiting;
    private SemaphoreSlim? _released;

    public bool TryTake() => Interlocked.CompareExchange(ref _held, 1, 0) == 0;

    public void Release()
    {
        // A full fence, so the pump cannot miss the release between raising its flag and its retry.
        Interlocked.Exchange(ref _held, 0);
        if (Volatile.Read(ref _pumpWaiting) == 1 && Interlocked.Exchange(ref _pumpWaiting, 0) == 1) _released!.Release();
    }

    /// <summary>Takes the lock for the pump, waiting for a direct writer to finish. Only the pump calls this.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask TakeForPumpAsync()
    {
        while (!TryTake())
        {
            // Created before the flag is raised, so whoever sees the flag finds the semaphore.
            _released ??= new SemaphoreSlim(0);
            Volatile.Write(ref _pumpWaiting, 1);
            if (TryTake()) return; // a stray wake-up later only costs the pump one more retry
            await _released.WaitAsync().ConfigureAwait(false);
        }
    }
}
