using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard;

namespace Endpoints.Testing.Tests.Samples;

/// <summary>samples/Dashboard as its Program.cs builds it: typed messages both ways, prices that move with the fake clock.</summary>
public sealed class DashboardSampleTests
{
    [Fact]
    public async Task ASubscriberGetsTheLatestPriceThenEachTickOfTheClock()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => DashboardApp.Create(args));
        await using var page = await host.ConnectAsync("/dashboard");

        var symbols = await page.ReceiveAsync(DashboardTestJson.Default.SymbolList);
        Assert.Equal(["ACME", "GLOBEX", "INITECH", "UMBRELLA"], symbols.Symbols.Select(s => s.Symbol));
        Assert.All(symbols.Symbols, s => Assert.Equal(0, s.Watchers));

        // {"type":"subscribe","symbol":"ACME"}: the name the generator gives Subscribe.
        await page.SendAsync(new Subscribe("ACME"), DashboardTestJson.Default.Subscribe);
        var latest = await page.ReceiveAsync(DashboardTestJson.Default.Price);
        Assert.Equal("ACME", latest.Symbol);
        Assert.Equal(120m, latest.Value);
        symbols = await page.ReceiveAsync(DashboardTestJson.Default.SymbolList);
        Assert.Equal(1, symbols.Symbols.Single(s => s.Symbol == "ACME").Watchers);

        // The ticker waits on the app's clock: half a second of fake time moves the first symbol, ACME, once.
        host.Time.Advance(TimeSpan.FromMilliseconds(500));
        var tick = await page.ReceiveAsync(DashboardTestJson.Default.Price);
        Assert.Equal("ACME", tick.Symbol);
        Assert.Equal(host.Time.GetUtcNow(), tick.At);
        Assert.Equal(latest.Value + tick.Change, tick.Value);
    }

    [Fact]
    public async Task ATypedClientSendsSubscribeAndReadsSymbolListsAndPricesAsTheirTypes()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => DashboardApp.Create(args));
        await using var page = new DashboardClient(host.CreateClient(DashboardClient.PathFor()));
        await page.StartAsync();
        await using var messages = page.ReadAllAsync().GetAsyncEnumerator();

        // {"type":"symbols",…} (its [WebSocketMessage] name) arrives as a SymbolList.
        var symbols = await messages.NextAsync<SymbolList>();
        Assert.Equal(["ACME", "GLOBEX", "INITECH", "UMBRELLA"], symbols.Symbols.Select(s => s.Symbol));

        // SendAsync(Subscribe) goes out as {"type":"subscribe",…}, which the endpoint's OnMessage(Subscribe) takes.
        Assert.True(await page.SendAsync(new Subscribe("GLOBEX")));
        var latest = await messages.NextAsync<Price>();
        Assert.Equal("GLOBEX", latest.Symbol);
        Assert.Equal(1, (await messages.NextAsync<SymbolList>()).Symbols.Single(s => s.Symbol == "GLOBEX").Watchers);

        // The ticker moves ACME, then GLOBEX, each half second of the app's clock: the second tick is this page's.
        host.Time.Advance(TimeSpan.FromMilliseconds(500));
        host.Time.Advance(TimeSpan.FromMilliseconds(500));
        var tick = await messages.NextAsync<Price>();
        Assert.Equal("GLOBEX", tick.Symbol);
        Assert.Equal(latest.Value + tick.Change, tick.Value);

        // An acknowledged send completes once OnMessage(Unsubscribe) has run: the list it broadcast follows.
        await page.SendWithAckAsync(new Unsubscribe("GLOBEX"));
        Assert.All((await messages.NextAsync<SymbolList>()).Symbols, s => Assert.Equal(0, s.Watchers));
    }

    [Fact]
    public async Task AnUnknownMessageTypeIsIgnoredNotAReasonToClose()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync(args => DashboardApp.Create(args));
        await using var page = await host.ConnectAsync("/dashboard");
        await page.ReceiveAsync(DashboardTestJson.Default.SymbolList);

        await page.SendAsync(new Subscribe("ACME"), DashboardTestJson.Default.Subscribe, typeName: "subscribeAll");
        await page.SendAsync(new Unsubscribe("ACME"), DashboardTestJson.Default.Unsubscribe);
        // Only the unsubscribe is answered (the list); the connection is still open.
        var symbols = await page.ReceiveAsync(DashboardTestJson.Default.SymbolList);
        Assert.All(symbols.Symbols, s => Assert.Equal(0, s.Watchers));
    }
}

/// <summary>The dashboard's messages as a client reads them (the sample's own context is internal to it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Subscribe))]
[JsonSerializable(typeof(Unsubscribe))]
[JsonSerializable(typeof(Price))]
[JsonSerializable(typeof(SymbolList))]
internal sealed partial class DashboardTestJson : JsonSerializerContext;
