using System.Globalization;
using Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OpenQA.Selenium;

namespace Endpoints.Browser.Tests;

/// <summary>The Dashboard sample's page in headless Chromium: typed subscribe out, typed prices in.</summary>
public sealed class DashboardPageTests : IAsyncLifetime
{
    private readonly int _port = Browser.FreePort();
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = DashboardApp.Create(["--urls", $"http://127.0.0.1:{_port}", "--contentRoot", AppContext.BaseDirectory, "--webroot", "dashboard-wwwroot"],
            builder => builder.Logging.ClearProviders());
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public void WatchedSymbolsShowLivePricesAndTheWatcherCount()
    {
        using var page = new Browser();
        try
        {
            page.Open(new Uri($"http://127.0.0.1:{_port}/"));
            page.WaitUntil(_ => page.Find("state").Text == "open", "the dashboard to connect");
            // ACME is watched by default: its price arrives at once (the latest), then changes.
            page.WaitUntil(_ => Price(page, "ACME") > 0, "ACME's price");
            page.WaitUntil(_ => page.Find("row-ACME").FindElement(By.ClassName("watchers")).Text == "1", "one dashboard watching ACME");
            Assert.Equal("–", page.Find("row-GLOBEX").FindElement(By.ClassName("price")).Text);

            page.Find("row-GLOBEX").FindElement(By.TagName("input")).Click();
            page.WaitUntil(_ => Price(page, "GLOBEX") > 0, "GLOBEX's price after subscribing");
            page.WaitUntil(_ => page.Find("row-GLOBEX").FindElement(By.ClassName("watchers")).Text == "1", "the watcher count to follow");
        }
        catch
        {
            page.Screenshot(nameof(WatchedSymbolsShowLivePricesAndTheWatcherCount));
            throw;
        }
    }

    private static decimal Price(Browser page, string symbol)
    {
        var text = page.Find("row-" + symbol).FindElement(By.ClassName("price")).Text;
        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }
}
