using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>Keeps every log line an app writes (after the app's own level filters), with its category.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The formatted text and every structured value, so that nothing a sink could print is missed.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => p.Value)) : "";
            provider.Lines.Enqueue((category, logLevel, formatter(state, exception) + " " + values + " " + exception));
        }
    }
}
