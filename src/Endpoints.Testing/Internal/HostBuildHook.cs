using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Endpoints.Testing.Internal;

/// <summary>
/// Adds to an app the test did not build itself: <c>HostApplicationBuilder.Build()</c> (which
/// <c>WebApplicationBuilder.Build()</c> calls) announces a "HostBuilding" event on the "Microsoft.Extensions.Hosting"
/// diagnostic listener with an <see cref="IHostBuilder"/> whose services and configuration still apply to the app: the
/// hook ASP.NET Core's WebApplicationFactory uses for top-level Program.cs apps. The event is global, so what to add
/// flows in an <see cref="AsyncLocal{T}"/>: only a Build() called inside <see cref="Run{T}"/>, on its async flow,
/// is touched; apps that other tests build meanwhile are not.
/// </summary>
internal static class HostBuildHook
{
    private static readonly AsyncLocal<Pending?> s_pending = new();
    // Every caller waits until the listener is attached: a flag set before it was would let a parallel test build its
    // app unseen.
    private static readonly Lazy<IDisposable> s_subscription = new(static () => DiagnosticListener.AllListeners.Subscribe(new ListenerObserver()));

    /// <summary>Runs <paramref name="build"/>, applying <paramref name="configure"/> to the host it builds; false when it built none.</summary>
    public static T Run<T>(Func<T> build, Action<IHostBuilder> configure, out bool applied)
    {
        _ = s_subscription.Value;
        var pending = new Pending(configure);
        var outer = s_pending.Value;
        s_pending.Value = pending;
        try
        {
            var result = build();
            applied = pending.Applied;
            return result;
        }
        finally
        {
            s_pending.Value = outer;
        }
    }

    private sealed class Pending(Action<IHostBuilder> configure)
    {
        public bool Applied { get; private set; }

        public void Apply(IHostBuilder builder)
        {
            // The first host built is the app; a host the app's code builds afterwards is not.
            if (Applied) return;
            Applied = true;
            configure(builder);
        }
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.Extensions.Hosting") listener.Subscribe(new EventObserver());
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class EventObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilding" && value.Value is IHostBuilder builder && s_pending.Value is { } pending) pending.Apply(builder);
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
