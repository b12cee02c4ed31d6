namespace Endpoints.Tests;

/// <summary>
/// The one polling wait of the test projects, for what no event announces: checks the condition until it holds or
/// the limit passes. The limit is a bound on a hang, not a timed assertion, so it is generous.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(20);

    /// <param name="condition">What must come to hold.</param>
    /// <param name="what">What is waited for, for the failure's message.</param>
    /// <param name="seconds">The limit.</param>
    /// <param name="eachTry">Runs after each failed check, e.g. to move a fake clock.</param>
    /// <param name="state">Appended to the failure's message: what was seen instead.</param>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 20, Action? eachTry = null, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Gave up waiting for " + what + (state is null ? "" : "; " + state()));
            eachTry?.Invoke();
            await Task.Delay(s_pause);
        }
    }

    /// <inheritdoc cref="WaitUntilAsync(Func{Task{bool}}, string, int, Action?, Func{string}?)"/>
    public static Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20, Action? eachTry = null, Func<string>? state = null)
        => WaitUntilAsync(() => Task.FromResult(condition()), what, seconds, eachTry, state);
}
