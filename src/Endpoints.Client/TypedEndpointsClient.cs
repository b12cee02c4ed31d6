using System.ComponentModel;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Endpoints.Client;

/// <summary>
/// The half of a generated typed client (<see cref="WebSocketClientAttribute"/>) that is the same for every endpoint:
/// the <see cref="EndpointsClient"/> underneath, its start and close, and the received messages decoded. The generated
/// half adds the endpoint's own sends, requests and addresses.
/// </summary>
public abstract class TypedEndpointsClient : IAsyncDisposable
{
    private readonly Dictionary<string, Decoder> _decoders = new(StringComparer.Ordinal);
    private Decoder? _onlyType;

    /// <summary>Wraps <paramref name="client"/>, which must name a message's type with <paramref name="typeProperty"/> as the endpoint does.</summary>
    /// <exception cref="ArgumentException">The client's <see cref="EndpointsClient.TypeProperty"/> is another.</exception>
    protected TypedEndpointsClient(EndpointsClient client, string typeProperty)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(typeProperty);
        if (client.TypeProperty != typeProperty)
        {
            throw new ArgumentException(
                $"The endpoint names a message's type with \"{typeProperty}\", but the client with \"{client.TypeProperty}\"; set EndpointsClientOptions.TypeProperty = \"{typeProperty}\".",
                nameof(client));
        }
        Client = client;
        TypeProperty = typeProperty;
    }

    /// <summary>The client underneath: its state, events, sessions and untyped sends.</summary>
    public EndpointsClient Client { get; }

    /// <summary>The JSON property that names a message's type, as the endpoint reads and writes it.</summary>
    public string TypeProperty { get; }

    /// <summary>Connecting, Open, Reconnecting or Closed.</summary>
    public ClientState State => Client.State;

    /// <summary>Starts connecting (see <see cref="EndpointsClient.StartAsync"/>).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => Client.StartAsync(cancellationToken);

    /// <summary>Closes for good (see <see cref="EndpointsClient.CloseAsync"/>).</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => Client.CloseAsync(cancellationToken);

    /// <summary>Closes and releases the client underneath.</summary>
    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Every message the endpoint sends, in order, across reconnects (it reads <see cref="EndpointsClient.ReadAllAsync(CancellationToken)"/>,
    /// so read one or the other): one of the endpoint's <c>Sends</c> types, decoded through the JSON context; any other
    /// text (the endpoint's <c>SendTextAsync</c>, JSON of no type it declares) as a <see cref="string"/>; binary as a
    /// <see cref="ReadOnlyMemory{T}"/> of bytes. Match them with a <c>switch</c> on the type.
    /// </summary>
    public async IAsyncEnumerable<object> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in Client.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (message.MessageType != WebSocketMessageType.Text)
            {
                yield return message.Data;
                continue;
            }
            yield return Decode(message.Data.Span) ?? Encoding.UTF8.GetString(message.Data.Span);
        }
    }

    /// <summary>Registers a type the endpoint sends: with <paramref name="typeName"/> when it sends several (its type property says which), without when it is the only one.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void Receives<T>(string? typeName, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var decoder = new Decoder<T>(typeInfo);
        if (typeName is null) _onlyType = decoder;
        else _decoders[typeName] = decoder;
    }

    /// <summary>
    /// <paramref name="options"/> (new ones when null) set for the endpoint: its type property, and its subprotocols
    /// offered in every handshake (after <see cref="EndpointsClientOptions.ConfigureSocket"/>'s own).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static EndpointsClientOptions ForEndpoint(EndpointsClientOptions? options, string typeProperty, params string[] subProtocols)
    {
        ArgumentNullException.ThrowIfNull(subProtocols);
        options ??= new EndpointsClientOptions();
        options.TypeProperty = typeProperty;
        if (subProtocols.Length > 0)
        {
            var configure = options.ConfigureSocket;
            options.ConfigureSocket = socket =>
            {
                configure?.Invoke(socket);
                foreach (var protocol in subProtocols)
                {
                    try
                    {
                        socket.AddSubProtocol(protocol);
                    }
                    catch (ArgumentException)
                    {
                        // offered already
                    }
                }
            };
        }
        return options;
    }

    /// <summary>
    /// The endpoint's path for these values: each <c>{name}</c> of <paramref name="template"/> replaced by its value,
    /// escaped (a catch-all's '/' kept), a missing optional value's segment left out; then the query values that are set.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static string PathAndQuery(string template, (string Name, string? Value, bool CatchAll)[] routeValues, (string Key, string? Value)[] queryValues)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(routeValues);
        ArgumentNullException.ThrowIfNull(queryValues);
        var path = new StringBuilder(template.Length + 16);
        for (var at = 0; at < template.Length;)
        {
            var open = template.IndexOf('{', at);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (close < 0)
            {
                path.Append(template, at, template.Length - at);
                break;
            }
            path.Append(template, at, open - at);
            var name = template.Substring(open + 1, close - open - 1);
            foreach (var (routeName, value, catchAll) in routeValues)
            {
                if (routeName != name || value is null) continue;
                path.Append(catchAll ? string.Join('/', value.Split('/').Select(Uri.EscapeDataString)) : Uri.EscapeDataString(value));
                break;
            }
            at = close + 1;
        }
        var text = path.ToString();
        while (text.Contains("//", StringComparison.Ordinal)) text = text.Replace("//", "/", StringComparison.Ordinal);
        if (text.Length > 1 && text.EndsWith('/') && !template.EndsWith('/')) text = text[..^1];
        var query = new StringBuilder();
        foreach (var (key, value) in queryValues)
        {
            if (value is null) continue;
            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return text + query;
    }

    /// <summary>
    /// <paramref name="pathAndQuery"/> on <paramref name="server"/> (<c>http://</c>, <c>https://</c>, <c>ws://</c> or
    /// <c>wss://</c>; a path of its own, as for an app under <c>/app/</c>, comes first), as a WebSocket address.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static Uri CreateAddress(Uri server, string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (!server.IsAbsoluteUri) throw new ArgumentException("The server's address must be absolute (e.g. https://example.com/).", nameof(server));
        var scheme = server.Scheme switch
        {
            "http" or "ws" => "ws",
            "https" or "wss" => "wss",
            _ => throw new ArgumentException($"The server's address must be http, https, ws or wss, not {server.Scheme}.", nameof(server)),
        };
        var basePath = server.AbsolutePath.TrimEnd('/');
        return new Uri($"{scheme}://{server.Authority}{basePath}{(pathAndQuery.StartsWith('/') ? "" : "/")}{pathAndQuery}");
    }

    /// <summary>Starts <paramref name="client"/> and returns it once open; closes it and throws when it closed for good before (a refused upgrade, say).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static async Task<TClient> StartedAsync<TClient>(TClient client, CancellationToken cancellationToken) where TClient : TypedEndpointsClient
    {
        ArgumentNullException.ThrowIfNull(client);
        string? reason = null;
        void Record(ClientStateChange change)
        {
            if (change.State == ClientState.Closed) reason = change.Reason;
        }
        client.Client.StateChanged += Record;
        try
        {
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            client.Client.StateChanged -= Record;
        }
        if (client.State != ClientState.Closed) return client;
        await client.DisposeAsync().ConfigureAwait(false);
        throw new WebSocketException(WebSocketError.Faulted, $"The client could not connect: {reason ?? "it closed"}.");
    }

    private object? Decode(ReadOnlySpan<byte> json)
    {
        Decoder? decoder;
        if (_decoders.Count > 0)
        {
            if (MessageHeader.ReadTypeName(json, TypeProperty) is not { } typeName || !_decoders.TryGetValue(typeName, out decoder)) return null;
        }
        else if (_onlyType is not null && json.Length > 0 && json[0] == (byte)'{')
        {
            decoder = _onlyType;
        }
        else
        {
            return null;
        }
        try
        {
            return decoder.Decode(json);
        }
        catch (JsonException)
        {
            return null; // not the shape of its type: handed on as text
        }
    }

    private abstract class Decoder
    {
        public abstract object? Decode(ReadOnlySpan<byte> json);
    }

    private sealed class Decoder<T>(JsonTypeInfo<T> typeInfo) : Decoder
    {
        public override object? Decode(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, typeInfo);
    }
}
