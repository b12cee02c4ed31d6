using System.Security.Cryptography;
using System.Text;

namespace Endpoints.Runtime.Fanout;

/// <summary>
/// Session tokens: the session id and a MAC over it, the endpoint and the user, so a token cannot be guessed or made,
/// and one made for a user resumes nothing for another. Never logged.
/// </summary>
internal sealed class SessionTokens(byte[]? key)
{
    private const int IdLength = 16, MacLength = 16;
    private readonly byte[] _key = key ?? RandomNumberGenerator.GetBytes(32);

    public static string NewSessionId() => Base64Url(RandomNumberGenerator.GetBytes(IdLength));

    public string Create(string sessionId, string endpoint, string? userId) => sessionId + "." + Base64Url(Mac(sessionId, endpoint, userId));

    /// <summary>The session id of a token made for this endpoint and user; null for anything else.</summary>
    public string? Validate(string? token, string endpoint, string? userId)
    {
        if (token is null || token.Length > 200) return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0) return null;
        var sessionId = token[..dot];
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(Padded(token[(dot + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(presented, Mac(sessionId, endpoint, userId)) ? sessionId : null;
    }

    private byte[] Mac(string sessionId, string endpoint, string? userId)
    {
        // Lengths first, so that no two (session, endpoint, user) triples read the same.
        var text = $"{sessionId.Length}:{sessionId}|{endpoint.Length}:{endpoint}|{(userId is null ? "-" : userId.Length + ":" + userId)}";
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text))[..MacLength];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Padded(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return (text.Length % 4) switch { 2 => text + "==", 3 => text + "=", _ => text };
    }
}
