using Endpoints;

namespace Dashboard;

/// <summary>The prices: a random walk per symbol.</summary>
public sealed class PriceBoard
{
    private readonly Dictionary<string, Price> _latest;
    private readonly Random _random = new(2026);
    private readonly TimeProvider _time;

    public PriceBoard(TimeProvider time)
    {
        _time = time;
        _latest = new[] { ("ACME", 120m), ("GLOBEX", 87.5m), ("INITECH", 42m), ("UMBRELLA", 310m) }
            .ToDictionary(static s => s.Item1, s => new Price(s.Item1, s.Item2, 0, time.GetUtcNow()));
    }

    public IEnumerable<string> Symbols => _latest.Keys;

    public bool Has(string symbol) => _latest.ContainsKey(symbol);

    public Price Latest(string symbol)
    {
        lock (_latest) return _latest[symbol];
    }

    public Price Move(string symbol)
    {
        lock (_latest)
        {
            var previous = _latest[symbol];
            var change = Math.Round(previous.Value * (decimal)((_random.NextDouble() - 0.5) * 0.02), 2);
            return _latest[symbol] = new Price(symbol, Math.Max(0.01m, previous.Value + change), change, _time.GetUtcNow());
        }
    }
}

/// <summary>Moves one symbol's price every half second and sends it to that symbol's group: typed fan-out from outside a callback.</summary>
public sealed class PriceTicker(IWebSocketClients<DashboardEndpoint> clients, PriceBoard board, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), time);
        var symbols = board.Symbols.ToArray();
        var next = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var symbol = symbols[next++ % symbols.Length];
            await clients.Group(symbol).SendAsync(board.Move(symbol), stoppingToken);
        }
    }
}
