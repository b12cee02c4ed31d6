using System.Globalization;
using Endpoints.Client;

namespace Dashboard;

/// <summary>
/// The dashboard's typed client, written by Endpoints.Client's generator from <see cref="DashboardEndpoint"/> (its JSON
/// context is this project's, so the client's messages go through it too). It is compiled into the Native AOT binary,
/// so eng/aot-smoke.sh checks that a typed client publishes without a warning.
/// </summary>
[WebSocketClient(typeof(DashboardEndpoint))]
internal sealed partial class DashboardClient;

/// <summary><c>Dashboard watch http://127.0.0.1:5082 ACME [count]</c>: prints a symbol's prices from a running dashboard.</summary>
internal static class DashboardWatcher
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var server))
        {
            Console.Error.WriteLine("usage: Dashboard watch <dashboard address> <symbol> [count]");
            return 2;
        }
        var symbol = args[1];
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : int.MaxValue;
        await using var dashboard = await DashboardClient.ConnectAsync(server);
        await dashboard.SendAsync(new Subscribe(symbol));
        await foreach (var message in dashboard.ReadAllAsync())
        {
            if (message is not Price price || price.Symbol != symbol) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{price.Symbol} {price.Value:0.00} ({price.Change:+0.00;-0.00;0.00}) at {price.At:O}"));
            if (--count == 0) break;
        }
        return 0;
    }
}
