using System;

namespace Endpoints.Generator.Parsing;

/// <summary>The callback names, and the near misses people write instead of them.</summary>
internal static class CallbackNames
{
    /// <summary>Every callback name, indexed by <see cref="CallbackKind"/>.</summary>
    public static readonly string[] All = { "OnOpen", "OnText", "OnBinary", "OnClose", "OnError", "OnMessage", "OnInvalidMessage" };

    public static string Of(CallbackKind kind) => All[(int)kind];

    public static CallbackKind KindOf(string callbackName) => (CallbackKind)Array.IndexOf(All, callbackName);

    // Names from other WebSocket libraries (SignalR, Jakarta, Fleck, websocket-sharp, Socket.IO), mapped to ours.
    private static readonly (string Name, string Callback)[] s_synonyms =
    {
        ("OnTextMessage", "OnText"), ("OnReceive", "OnText"), ("OnReceived", "OnText"), ("OnMessageReceived", "OnText"),
        ("OnTextReceived", "OnText"),
        ("OnBinaryMessage", "OnBinary"), ("OnData", "OnBinary"), ("OnBytes", "OnBinary"), ("OnBinaryReceived", "OnBinary"),
        ("OnConnect", "OnOpen"), ("OnConnected", "OnOpen"), ("OnOpened", "OnOpen"), ("OnConnection", "OnOpen"), ("OnConnectionOpened", "OnOpen"),
        ("OnDisconnect", "OnClose"), ("OnDisconnected", "OnClose"), ("OnClosed", "OnClose"), ("OnConnectionClosed", "OnClose"),
        ("OnException", "OnError"), ("OnFault", "OnError"), ("OnFailure", "OnError"),
    };

    /// <summary>
    /// The callback <paramref name="name"/> was probably meant to be, or null if it does not look like one: a near
    /// spelling in any case, with or without an <c>Async</c> suffix, or another library's name for it.
    /// </summary>
    public static string? Suggest(string name)
    {
        if (Array.IndexOf(All, name) >= 0) return null;
        var stem = name.EndsWith("Async", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Async".Length) : name;
        if (stem.Length < 3 || !stem.StartsWith("On", StringComparison.OrdinalIgnoreCase)) return null;
        foreach (var callback in All)
        {
            if (Distance(stem, callback) <= 2) return callback;
        }
        foreach (var (synonym, callback) in s_synonyms)
        {
            if (Distance(stem, synonym) <= 1) return callback;
        }
        return null;
    }

    /// <summary>Levenshtein distance, ignoring case.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
