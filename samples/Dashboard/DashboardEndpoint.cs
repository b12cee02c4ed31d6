using Endpoints;

namespace Dashboard;

/// <summary>
/// A live price dashboard: the page subscribes to symbols ({"type":"subscribe","symbol":"ACME"}) and receives their
/// prices ({"type":"price",…}) from <see cref="PriceTicker"/>. Each symbol is a group. Delivery is resumable: a page
/// that reconnects and subscribes again first gets the prices it missed meanwhile, so its charts have no hole.
/// </summary>
[WebSocketEndpoint("/dashboard", Sends = new[] { typeof(Price), typeof(SymbolList) }, Delivery = WebSocketDelivery.Resumable)]
public sealed class DashboardEndpoint(IWebSocketClients<DashboardEndpoint> clients, PriceBoard board, ILogger<DashboardEndpoint> log)
{
    public Task OnOpen(WebSocketConnection connection) => SendSymbolsAsync(connection);

    public async Task OnMessage(Subscribe subscribe, WebSocketConnection connection)
    {
        if (!board.Has(subscribe.Symbol)) return;
        // A page that resumed its session gets here the prices it missed since its last one, in order.
        await connection.JoinGroupAsync(subscribe.Symbol);
        // The latest price at once, then every change (after a replay it repeats the last one: same time, same price).
        await connection.SendAsync(board.Latest(subscribe.Symbol));
        await BroadcastSymbolsAsync();
    }

    public async Task OnMessage(Unsubscribe unsubscribe, WebSocketConnection connection)
    {
        await connection.LeaveGroupAsync(unsubscribe.Symbol);
        await BroadcastSymbolsAsync();
    }

    // An unknown type or bad JSON from a page is reported to it, not a reason to drop its connection.
    public void OnInvalidMessage(WebSocketInvalidMessage invalid)
        => log.LogInformation("Ignored a dashboard message: {Reason}", invalid.Reason);

    public Task OnClose() => BroadcastSymbolsAsync();

    private async Task SendSymbolsAsync(WebSocketConnection connection) => await connection.SendAsync(await SymbolsAsync());

    private async Task BroadcastSymbolsAsync() => await clients.All.SendAsync(await SymbolsAsync());

    private async Task<SymbolList> SymbolsAsync()
    {
        var symbols = new List<SymbolInfo>();
        foreach (var symbol in board.Symbols) symbols.Add(new SymbolInfo(symbol, await clients.Presence.CountGroupMembersAsync(symbol)));
        return new SymbolList(symbols);
    }
}
