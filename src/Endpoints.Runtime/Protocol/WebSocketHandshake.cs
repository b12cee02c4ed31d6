using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Endpoints.Runtime.Protocol;

/// <summary>
/// The opening handshake, RFC 6455 section 4 over HTTP/1.1 (an Upgrade, answered 101) and RFC 8441 over HTTP/2 (an
/// extended CONNECT, answered 200): recognising the request, checking it, and accepting it into a duplex stream.
/// </summary>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether the request asks for a WebSocket at all (anything else to a WebSocket endpoint is a 400).</summary>
    public static bool IsWebSocketRequest(HttpContext context)
    {
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            return string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
        }
        var request = context.Request;
        return HttpMethods.IsGet(request.Method)
               && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
               && HasToken(request.Headers.Upgrade, "websocket")
               && HasToken(request.Headers.Connection, "upgrade");
    }

    /// <summary>What is wrong with a WebSocket request, as a status code and a reason; (0, null) when it can be accepted.</summary>
    public static (int Status, string? Reason) Check(HttpContext context)
    {
        var headers = context.Request.Headers;
        // RFC 6455 4.1: "an HTTP/1.1 or higher GET request".
        if (HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            return (StatusCodes.Status400BadRequest, "A WebSocket upgrade needs HTTP/1.1 or later.");
        }
        if (headers.SecWebSocketVersion.ToString() != "13")
        {
            return (StatusCodes.Status426UpgradeRequired, "This server speaks WebSocket version 13 (Sec-WebSocket-Version: 13).");
        }
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true }) return (0, null);
        var key = headers.SecWebSocketKey.ToString();
        Span<byte> decoded = stackalloc byte[24];
        if (key.Length != 24 || !Convert.TryFromBase64String(key, decoded, out var length) || length != 16)
        {
            return (StatusCodes.Status400BadRequest, "The Sec-WebSocket-Key header must be 16 random bytes in base64.");
        }
        return (0, null);
    }

    /// <summary>The subprotocols the client offers (Sec-WebSocket-Protocol, comma-separated, possibly over several headers).</summary>
    public static IEnumerable<string> RequestedSubProtocols(HttpContext context) => Tokens(context.Request.Headers.SecWebSocketProtocol);

    /// <summary>Accepts the request: the response headers, then the switch to the WebSocket stream.</summary>
    public static Task<Stream> AcceptAsync(HttpContext context, string? subProtocol, string? extensions)
    {
        // Not an async method: the server's own task is the answer, with nothing allocated around it.
        var headers = context.Response.Headers;
        if (subProtocol is not null) headers.SecWebSocketProtocol = subProtocol;
        if (extensions is not null) headers.SecWebSocketExtensions = extensions;
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            return connect.AcceptAsync().AsTask();
        }
        headers.Connection = HeaderNames.Upgrade;
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = AcceptKey(context.Request.Headers.SecWebSocketKey.ToString());
        return context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
    }

    /// <summary>Sec-WebSocket-Accept: base64(SHA-1(key + the RFC's GUID)).</summary>
    public static string AcceptKey(string key)
    {
        // On the stack (a checked key is 24 characters): the answer is the only allocation.
        var length = key.Length + AcceptGuid.Length;
        Span<byte> input = length <= 256 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.ASCII.GetBytes(key, input);
        written += Encoding.ASCII.GetBytes(AcceptGuid, input[written..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..written], hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The comma-separated tokens of one or more header values, trimmed.</summary>
    public static IEnumerable<string> Tokens(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)) yield return token;
        }
    }

    private static bool HasToken(Microsoft.Extensions.Primitives.StringValues values, string token)
    {
        // Read in place: checking Upgrade and Connection on every handshake allocates nothing.
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan(range).Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }
}
