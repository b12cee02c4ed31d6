using System.Net.WebSockets;

namespace Endpoints.Client;

/// <summary>Settings of an <see cref="EndpointsClient"/>.</summary>
public sealed class EndpointsClientOptions
{
    /// <summary>When to reconnect. See <see cref="Client.ReconnectPolicy"/> for the defaults.</summary>
    public ReconnectPolicy Reconnect { get; set; } = new();

    /// <summary>
    /// How many sends wait while the connection is away. Default 100. On a resumable session also how many sent
    /// messages are kept until the server confirms them (see <see cref="EndpointsClient.Unconfirmed"/>).
    /// </summary>
    public int QueueCapacity { get; set; } = 100;

    /// <summary>What a send does when the queue is full. Default <see cref="QueueOverflow.DropOldest"/>.</summary>
    public QueueOverflow QueueOverflow { get; set; } = QueueOverflow.DropOldest;

    /// <summary>Called before every attempt (so it can refresh); the token is sent as <c>?access_token=</c>, as browsers must.</summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessToken { get; set; }

    /// <summary>Headers, subprotocols, certificates, proxies… of each attempt's <see cref="ClientWebSocket"/>.</summary>
    public Action<ClientWebSocketOptions>? ConfigureSocket { get; set; }

    /// <summary>
    /// Offers the <c>endpoints.v1</c> subprotocol in each handshake, after those <see cref="ConfigureSocket"/> adds. When
    /// the server picks it (see <see cref="EndpointsClient.SubProtocol"/>), every message carries a small header
    /// (docs/protocol.md) that lets messages be answered both ways: <see cref="EndpointsClient.RequestAsync{TMessage, TReply}"/>,
    /// the <c>…WithAckAsync</c> sends and <see cref="EndpointsClient.OnRequest{TMessage, TReply}(string, System.Text.Json.Serialization.Metadata.JsonTypeInfo{TMessage}, System.Text.Json.Serialization.Metadata.JsonTypeInfo{TReply}, Func{TMessage, CancellationToken, ValueTask{TReply}})"/>.
    /// When it does not, or this is false, messages are plain, byte for byte. Default true.
    /// </summary>
    public bool OfferEndpointsProtocol { get; set; } = true;

    /// <summary>
    /// How long a request waits for its answer when the call gives no timeout, counted from the call (time spent
    /// queued while the connection is away included). Default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> waits until
    /// the answer, the connection's end or cancellation.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an <c>endpoints.v1</c> connection waits for the server's welcome after its hello before it goes on
    /// without a session (sends wait in the queue meanwhile, and the state turns Open with the welcome). Default 5 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for the welcome.
    /// </summary>
    public TimeSpan WelcomeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The JSON property naming a typed message's type. Default <c>type</c>.</summary>
    public string TypeProperty { get; set; } = "type";

    /// <summary>Messages over this size close the connection (and it reconnects). Default 4 MiB.</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>The clock for backoff waits and request timeouts (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The jitter's random source, uniform in [0, 1).</summary>
    public Func<double> Random { get; set; } = System.Random.Shared.NextDouble;
}
