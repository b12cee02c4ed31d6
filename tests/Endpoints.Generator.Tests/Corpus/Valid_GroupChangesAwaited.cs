// Group changes awaited (OnOpen may be async), returned, or kept to await later; outside an endpoint class the caller decides.
// generates: Shapes.TableEndpoint
using System.Threading.Tasks;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/tables/{table}")]
public sealed class TableEndpoint(IWebSocketClients<TableEndpoint> clients)
{
    public async Task<string> OnOpen(string table, WebSocketConnection connection)
    {
        await connection.JoinGroupAsync(table);
        await connection.JoinGroupAsync("all").ConfigureAwait(false);
        return table;
    }

    public ValueTask OnText(string table, string text, WebSocketConnection connection)
        => text == "leave" ? connection.LeaveGroupAsync(table) : SayAsync(table, text, connection);

    private async ValueTask SayAsync(string table, string text, WebSocketConnection connection)
    {
        var joining = clients.AddToGroupAsync(connection.Id, "talkers");
        await joining;
        await clients.Group(table).SendTextAsync(text);
    }
}

public static class Seating
{
    public static void Seat(WebSocketConnection connection) => _ = connection.JoinGroupAsync("seated");
}
