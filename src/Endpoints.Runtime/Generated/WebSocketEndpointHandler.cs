using System.ComponentModel;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Endpoints.Runtime.Connections;
using Endpoints.Runtime.Transport;
using Microsoft.AspNetCore.Http;

namespace Endpoints.Runtime.Generated;

/// <summary>
/// The bridge between the receive loop and one endpoint instance. The generator writes one subclass per endpoint
/// class: it binds the request, builds the instance, calls its callbacks with bound arguments and keeps the state
/// <c>OnOpen</c> returned. One handler serves one connection.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class WebSocketEndpointHandler : IEndpointCallbacks
{
    private HttpContext? _context;
    private WebSocketConnection? _connection;

    /// <summary>The upgrade request.</summary>
    protected HttpContext Context => _context ?? throw NotStarted();

    /// <summary>The connection; set before <see cref="OnOpenAsync"/> runs.</summary>
    protected WebSocketConnection Connection => _connection ?? throw NotStarted();

    /// <summary>
    /// The services of the upgrade request's scope, which lives as long as the connection. Read only when an
    /// endpoint needs services, so that one without them costs no scope.
    /// </summary>
    protected IServiceProvider Services => Context.RequestServices;

    /// <summary>Whether the endpoint has <c>OnText</c>; text messages are refused with 1003 otherwise.</summary>
    public virtual bool AcceptsText => false;

    /// <summary>Whether the endpoint has <c>OnBinary</c>; binary messages are refused with 1003 otherwise.</summary>
    public virtual bool AcceptsBinary => false;

    /// <summary>Whether <c>OnText</c> takes a <see cref="TextReader"/>: text messages are then read while they arrive.</summary>
    public virtual bool StreamsText => false;

    /// <summary>Whether <c>OnBinary</c> takes a <see cref="Stream"/>: binary messages are then read while they arrive.</summary>
    public virtual bool StreamsBinary => false;

    internal void Start(HttpContext context)
    {
        _context = context;
        CreateEndpoint();
    }

    internal void Attach(WebSocketConnection connection) => _connection = connection;

    /// <summary>Creates the endpoint instance, from <see cref="Services"/> if it has dependencies (before the upgrade).</summary>
    protected abstract void CreateEndpoint();

    /// <summary>Calls <c>OnOpen</c> (if any) and keeps the state it returns.</summary>
    protected internal virtual ValueTask OnOpenAsync() => default;

    /// <summary>Calls <c>OnText</c> with a whole text message, as valid UTF-8 that is only valid until the returned task completes.</summary>
    protected internal virtual ValueTask OnTextAsync(ReadOnlyMemory<byte> utf8) => default;

    /// <summary>Calls <c>OnBinary</c>; <paramref name="data"/> is only valid until the returned task completes.</summary>
    protected internal virtual ValueTask OnBinaryAsync(ReadOnlyMemory<byte> data) => default;

    /// <summary>Calls an <c>OnText</c> that reads the message while it arrives; the reader is only valid until the returned task completes.</summary>
    protected internal virtual ValueTask OnTextStreamAsync(TextReader text) => default;

    /// <summary>Calls an <c>OnBinary</c> that reads the message while it arrives; the stream is only valid until the returned task completes.</summary>
    protected internal virtual ValueTask OnBinaryStreamAsync(Stream data) => default;

    /// <summary>Calls <c>OnClose</c>.</summary>
    protected internal virtual ValueTask OnCloseAsync(WebSocketCloseInfo close) => default;

    /// <summary>Calls <c>OnError</c>.</summary>
    protected internal virtual ValueTask OnErrorAsync(Exception error) => default;

    /// <summary>
    /// Ends the connection over a text message that is not one of the endpoint's typed messages (when it has no
    /// <c>OnInvalidMessage</c>): 1007 for invalid JSON, 1003 for an unknown type. The server goes on.
    /// </summary>
    protected ValueTask RejectMessageAsync(WebSocketInvalidMessage invalid)
    {
        ArgumentNullException.ThrowIfNull(invalid);
        var (status, description) = invalid.Reason == WebSocketInvalidMessageReason.InvalidJson
            ? (System.Net.WebSockets.WebSocketCloseStatus.InvalidPayloadData, "Invalid JSON message")
            : (System.Net.WebSockets.WebSocketCloseStatus.InvalidMessageType, "Unknown message type");
        if (Connection is ServerWebSocketConnection server) server.CloseHandshake.TryRequest(status, description, WebSocketCloseReason.ProtocolError);
        return default;
    }

    /// <summary>
    /// Sends what an <c>OnMessage</c> returned: the answer to the client's request (<c>endpoints.v1</c>), else an ordinary
    /// message. Encoded as a send of its type would be; a type the endpoint does not send as plain JSON.
    /// </summary>
    protected ValueTask ReplyAsync<TReply>(TReply reply, JsonTypeInfo<TReply> typeInfo)
    {
        var server = (ServerWebSocketConnection)Connection;
        // Encoded as a send of its type would be; a type that is not one of the endpoint's Sends as plain JSON.
        var encoded = server.Endpoint.Registry.Codec is { } codec && codec.TryEncode(reply, out var sent) ? sent : WebSocketJson.Serialize(reply, typeInfo, default, default);
        return server.ReplyAsync(encoded);
    }

    /// <summary>As <see cref="ReplyAsync{TReply}(TReply, JsonTypeInfo{TReply})"/>, once the callback's task has its value.</summary>
    protected async ValueTask ReplyAsync<TReply>(Task<TReply> reply, JsonTypeInfo<TReply> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(reply);
        await ReplyAsync(await reply.ConfigureAwait(false), typeInfo).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ReplyAsync{TReply}(TReply, JsonTypeInfo{TReply})"/>, once the callback's task has its value.</summary>
    protected ValueTask ReplyAsync<TReply>(ValueTask<TReply> reply, JsonTypeInfo<TReply> typeInfo)
        => reply.IsCompletedSuccessfully ? ReplyAsync(reply.Result, typeInfo) : ReplyLaterAsync(reply, typeInfo);

    private async ValueTask ReplyLaterAsync<TReply>(ValueTask<TReply> reply, JsonTypeInfo<TReply> typeInfo)
        => await ReplyAsync(await reply.ConfigureAwait(false), typeInfo).ConfigureAwait(false);

    ValueTask IEndpointCallbacks.OnOpenAsync() => OnOpenAsync();

    ValueTask IEndpointCallbacks.OnTextAsync(ReadOnlyMemory<byte> utf8) => OnTextAsync(utf8);

    ValueTask IEndpointCallbacks.OnBinaryAsync(ReadOnlyMemory<byte> data) => OnBinaryAsync(data);

    ValueTask IEndpointCallbacks.OnTextStreamAsync(TextReader text) => OnTextStreamAsync(text);

    ValueTask IEndpointCallbacks.OnBinaryStreamAsync(Stream data) => OnBinaryStreamAsync(data);

    ValueTask IEndpointCallbacks.OnCloseAsync(WebSocketCloseInfo close) => OnCloseAsync(close);

    ValueTask IEndpointCallbacks.OnErrorAsync(Exception error) => OnErrorAsync(error);

    /// <summary>The text of a received message, for an <c>OnText</c> that takes a string.</summary>
    protected static string DecodeText(ReadOnlyMemory<byte> utf8) => Encoding.UTF8.GetString(utf8.Span);

    private static InvalidOperationException NotStarted() => new("The handler has not been started for a connection yet.");
}
