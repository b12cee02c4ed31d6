namespace Endpoints.Client;

/// <summary>
/// When to try again after a connection is lost: exponential backoff with full jitter, a uniform random wait between
/// zero and min(<see cref="MaxDelay"/>, <see cref="InitialDelay"/> × <see cref="Multiplier"/>^attempt). Clients that
/// lost one server together spread their reconnects over the whole window instead of arriving in the same second.
/// </summary>
public sealed record ReconnectPolicy
{
    /// <summary>The first wait's ceiling. Default 0.5 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The largest ceiling. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How the ceiling grows per attempt. Default 2.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>How long a connection must stay open before the backoff starts over. Default 10 s.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in a row before giving up (state Closed); null (the default) never gives up.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The wait before attempt <paramref name="attempt"/> (0 for the first), given a uniform random number in [0, 1).</summary>
    public TimeSpan Delay(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Min(attempt, 64)));
        return TimeSpan.FromMilliseconds(Math.Floor(Math.Clamp(random, 0, 1) * ceiling));
    }
}

/// <summary>What a send does while the connection is away and the queue is full.</summary>
public enum QueueOverflow
{
    /// <summary>The oldest waiting message is dropped to make room (the default: the newest state matters most).</summary>
    DropOldest,

    /// <summary>The new message is dropped; the send returns false.</summary>
    DropNewest,

    /// <summary>The send throws <see cref="InvalidOperationException"/>.</summary>
    Throw,
}

/// <summary>The states of an <see cref="EndpointsClient"/>.</summary>
public enum ClientState
{
    /// <summary>The first connection attempt.</summary>
    Connecting,

    /// <summary>Connected.</summary>
    Open,

    /// <summary>Lost; waiting before the next attempt (or attempting).</summary>
    Reconnecting,

    /// <summary>Closed for good: by <see cref="EndpointsClient.CloseAsync"/>, by the server (1000, 1008), a refused upgrade (4xx), or after the last attempt.</summary>
    Closed,
}

/// <summary>A change of state, with why.</summary>
/// <param name="State">The new state.</param>
/// <param name="Previous">The state before.</param>
/// <param name="CloseStatus">The close code, when the server closed.</param>
/// <param name="Reason">Why, in words (close description, HTTP status, error).</param>
/// <param name="Attempt">For Reconnecting: the attempt about to be made (1 for the first).</param>
/// <param name="Delay">For Reconnecting: the wait before it.</param>
public sealed record ClientStateChange(ClientState State, ClientState Previous, System.Net.WebSockets.WebSocketCloseStatus? CloseStatus, string? Reason, int Attempt, TimeSpan Delay);

/// <summary>A received message: text or binary.</summary>
/// <param name="MessageType">Text or binary.</param>
/// <param name="Data">The payload (UTF-8 for text); on an <c>endpoints.v1</c> connection, without its header.</param>
public sealed record ClientMessage(System.Net.WebSockets.WebSocketMessageType MessageType, ReadOnlyMemory<byte> Data)
{
    /// <summary>The text of a text message.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Data.Span);
}
