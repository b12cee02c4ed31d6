namespace Endpoints.Runtime.Connections;

/// <summary>
/// Who may write to the socket: one writer at a time. A sender that finds the socket free takes it and writes
/// directly; the outbox pump takes it to drain the queue. Taking and giving it back are single atomic operations,
/// and only the pump ever waits for it (<see cref="Transmitter"/>), so a direct send never blocks. A struct kept in a
/// mutable field of the transmitter: one object less per connection.
/// </summary>
internal struct SendLock
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

    /// <summary>
    /// The pump found the lock held: raises its flag and says what will wake it. The pump retries <see cref="TryTake"/>
    /// before it waits (a stray wake-up later only costs it one more retry).
    /// </summary>
    public SemaphoreSlim PumpWaits()
    {
        // Created before the flag is raised, so whoever sees the flag finds the semaphore.
        var released = _released ??= new SemaphoreSlim(0);
        Volatile.Write(ref _pumpWaiting, 1);
        return released;
    }
}
