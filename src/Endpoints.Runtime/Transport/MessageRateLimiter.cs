namespace Endpoints.Runtime.Transport;

/// <summary>
/// A token bucket per connection, refilled from the app's clock when a message arrives: no timer per connection,
/// and tests move a fake clock instead of waiting.
/// </summary>
internal sealed class MessageRateLimiter(WebSocketMessageRateLimit limit, TimeProvider time)
{
    private readonly double _tokensPerTick = (double)limit.MessagesPerSecond / time.TimestampFrequency;
    private double _tokens = limit.Burst;
    private long _lastRefill = time.GetTimestamp();

    /// <summary>What happens to a message over the limit.</summary>
    public MessageRateLimitPolicy Policy => limit.Policy;

    /// <summary>Takes a token for one message; false when the bucket is empty. Called by the receive loop only.</summary>
    public bool TryAcquire()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(limit.Burst, _tokens + (now - _lastRefill) * _tokensPerTick);
        _lastRefill = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
