using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Endpoints.Browser.Tests;

/// <summary>
/// First in a test server's pipeline, for the requests under one path (a WebSocket is one long request): counts them,
/// cuts the open ones as a network failure would (the TCP connection is reset, no close frame), and can hold new ones
/// back, so that a page stays away, reconnecting, while the test goes on without it — all without restarting the
/// server, which would lose what it keeps in memory.
/// </summary>
public sealed class ConnectionCutter(PathString path) : IStartupFilter
{
    private readonly ConcurrentDictionary<HttpContext, byte> _open = new();
    private TaskCompletionSource? _hold;
    private int _requests;

    /// <summary>How many requests under the path came in (before authentication answered them).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, inner) =>
        {
            if (!context.Request.Path.StartsWithSegments(path))
            {
                await inner(context);
                return;
            }
            Interlocked.Increment(ref _requests);
            if (Volatile.Read(ref _hold) is { } hold) await hold.Task.WaitAsync(context.RequestAborted);
            _open.TryAdd(context, 0);
            try
            {
                await inner(context);
            }
            finally
            {
                _open.TryRemove(context, out _);
            }
        });
        next(app);
    };

    /// <summary>Requests that come from now on wait until <see cref="Release"/>.</summary>
    public void Hold() => Volatile.Write(ref _hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The held requests, and those after them, go on.</summary>
    public void Release() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    /// <summary>Resets the open requests of <paramref name="user"/> (every open one when null); returns how many.</summary>
    public int Cut(string? user = null)
    {
        var cut = 0;
        foreach (var context in _open.Keys)
        {
            if (user is not null && context.User.Identity?.Name != user) continue;
            context.Abort();
            cut++;
        }
        return cut;
    }
}
