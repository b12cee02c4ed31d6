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

    /// <summary>The key under which the test server records the end of every request.</summary>
    public const string Requests = "requests";

    public void Record(string key, string @event) => _events.Enqueue((key, @event));

    /// <summary>Whether a request to <paramref name="path"/> has ended: for a WebSocket, its connection is over.</summary>
    public bool RequestEnded(string path) => EventsOf(Requests).Contains("ended " + path);

    public int RequestsEnded(string path) => EventsOf(Requests).Count(e => e == "ended " + path);

    public IReadOnlyList<string> EventsOf(string key) => _events.Where(e => e.Key == key).Select(e => e.Event).ToList();

    public IReadOnlyList<WebSocketCloseInfo> ClosesOf(string key) => Closes.Where(c => c.Key == key).Select(c => c.Close).ToList();
}
