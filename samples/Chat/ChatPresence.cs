using System.Collections.Concurrent;
using Endpoints;

namespace Chat;

/// <summary>
/// Tells each room who left, once presence is sure: a page that drops and resumes its session within the presence
/// grace (10 s by default) never left, so its room hears nothing, not a "left" and a "back". Presence reports this
/// server's own connections; with Redis, each server announces the departures of the connections it held.
/// </summary>
public sealed class ChatPresence : IDisposable
{
    private readonly IWebSocketClients<ChatEndpoint> _clients;
    private readonly ILogger<ChatPresence> _log;
    private readonly IDisposable _subscription;
    // Connections that took the place of one of their session's within the grace: their OnOpen says nothing.
    private readonly ConcurrentDictionary<string, byte> _continued = new(StringComparer.Ordinal);

    public ChatPresence(IWebSocketClients<ChatEndpoint> clients, ILogger<ChatPresence> log)
    {
        _clients = clients;
        _log = log;
        _subscription = clients.Presence.Subscribe(OnChange);
    }

    /// <summary>Whether the connection continues one that its room never heard leave (asked once, by OnOpen).</summary>
    public bool ContinuedWithoutLeaving(string connectionId) => _continued.TryRemove(connectionId, out _);

    private void OnChange(WebSocketPresenceChange change)
    {
        switch (change.Kind)
        {
            case WebSocketPresenceChangeKind.Resumed:
                _continued[change.ConnectionId] = 0;
                break;
            // A session that went on on another server left this server, not its room.
            case WebSocketPresenceChangeKind.LeftGroup when !change.ResumedElsewhere:
                _ = AnnounceLeftAsync(change.Group!, change.UserId ?? "anonymous");
                break;
            case WebSocketPresenceChangeKind.Disconnected:
                _continued.TryRemove(change.ConnectionId, out _);
                break;
        }
    }

    // Presence calls its observers on the thread that made the change: the announcement goes on without it. A name still
    // in the room (another tab, a reloaded page) has not left it.
    private async Task AnnounceLeftAsync(string room, string name)
    {
        try
        {
            var members = await _clients.Presence.GetGroupMembersAsync(room);
            if (members.Any(m => (m.UserId ?? "anonymous") == name)) return;
            await _clients.Group(room).SendTextAsync($"* {name} left");
        }
        catch (Exception error)
        {
            _log.LogWarning(error, "Could not tell {Room} that someone left", room);
        }
    }

    public void Dispose() => _subscription.Dispose();
}
