using Endpoints.Client;

namespace Endpoints.Testing.Tests.Samples;

/// <summary>The samples' endpoints as their typed clients see them, read from the samples' assemblies (metadata).</summary>
[WebSocketClient(typeof(Chat.ChatEndpoint))]
internal sealed partial class ChatClient;

/// <summary>The dashboard's context is internal to it: this one goes through <see cref="DashboardTestJson"/>, found in this project.</summary>
[WebSocketClient(typeof(Dashboard.DashboardEndpoint))]
internal sealed partial class DashboardClient;

/// <summary>Reading a typed client's messages one at a time, with a deadline.</summary>
internal static class TypedClientReading
{
    public static async Task<object> NextAsync(this IAsyncEnumerator<object> messages, TimeSpan? timeout = null)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10)), "the client closed");
        return messages.Current;
    }

    public static async Task<T> NextAsync<T>(this IAsyncEnumerator<object> messages, TimeSpan? timeout = null)
        => Assert.IsType<T>(await messages.NextAsync(timeout));
}
