using System.Collections.Concurrent;
using Endpoints;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>What the test endpoints saw, keyed by a name the test chooses; one per test server.</summary>
public sealed class Probe
{
    private readonly ConcurrentQueue<(string Key, string Event)> _events = new();

    public ConcurrentBag<(string Key, WebSocketCloseInfo Close)> Closes { get; } = [];

    public ConcurrentBag<(string Key, Exception Error)> Errors { get; } = [];

    public ConcurrentDictionary<string, int> Counters { get; } = new();

    /// <summary>Objects that must be collectable once their connection has ended.</summary>
    public ConcurrentBag<WeakReference> Tracked { get; } = [];

    public void Count(string key) => Counters.AddOrUpdate(key, 1, static (_, count) => count + 1);

    public void Record(string key, string @event) => _events.Enqueue((key, @event));

    public IReadOnlyList<string> EventsOf(string key) => _events.Where(e => e.Key == key).Select(e => e.Event).ToList();

    public IReadOnlyList<WebSocketCloseInfo> ClosesOf(string key) => Closes.Where(c => c.Key == key).Select(c => c.Close).ToList();

    /// <summary>Waits (bounded) until the condition holds; the wait is a limit, not a timed assertion.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Gave up waiting for: " + what);
            await Task.Delay(20);
        }
    }
}
