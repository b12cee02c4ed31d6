namespace Endpoints.Testing;

/// <summary>How <see cref="WebSocketEndpointTestHost"/> runs the app.</summary>
public sealed class WebSocketEndpointTestHostOptions
{
    /// <summary>
    /// Runs the app on <see cref="TimeProvider.System"/> instead of a <c>FakeTimeProvider</c>: keep-alive, idle and close
    /// timeouts then pass in real time, and <see cref="WebSocketEndpointTestHost.Time"/> throws. Default false.
    /// </summary>
    public bool UseRealTime { get; set; }

    /// <summary>
    /// Where the fake clock starts. Default: the real time when the host starts, so that what the app compares with the
    /// wall clock (a token's lifetime, a certificate) still holds.
    /// </summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>
    /// The longest a connect, a receive or a close waits (real time) before it fails with a <see cref="TimeoutException"/>
    /// naming what it waited for, unless the call gives its own. A limit on a hang, not a timing assertion. Default 10 s.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        if (DefaultTimeout <= TimeSpan.Zero && DefaultTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTimeout), DefaultTimeout, "The default timeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }
}
