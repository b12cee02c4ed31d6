using System.Globalization;
using Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenQA.Selenium;

namespace Endpoints.Browser.Tests;

/// <summary>
/// The Dashboard sample's page in headless Chromium: typed subscribe out, typed prices in, a line of recent prices per
/// watched symbol that the replay after a reconnect fills without a hole.
/// </summary>
public sealed class DashboardPageTests : IAsyncLifetime
{
    private readonly int _port = Browser.FreePort();
    private readonly ConnectionCutter _dashboard = new("/dashboard");
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = DashboardApp.Create(["--urls", $"http://127.0.0.1:{_port}", "--contentRoot", AppContext.BaseDirectory, "--webroot", "dashboard-wwwroot"],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<IStartupFilter>(_dashboard);
            });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _dashboard.Release();
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
            Assert.Empty(Chart(page, "GLOBEX"));

            page.Find("row-GLOBEX").FindElement(By.TagName("input")).Click();
            page.WaitUntil(_ => Price(page, "GLOBEX") > 0, "GLOBEX's price after subscribing");
            page.WaitUntil(_ => page.Find("row-GLOBEX").FindElement(By.ClassName("watchers")).Text == "1", "the watcher count to follow");
            // Each price is a point of the symbol's line (a symbol moves every two seconds).
            page.WaitUntil(_ => Chart(page, "ACME").Count >= 3, "ACME's line");
            Assert.All(Chart(page, "ACME"), point => Assert.InRange(point.Y, 0, 28));
        }
        catch
        {
            page.Screenshot(nameof(WatchedSymbolsShowLivePricesAndTheWatcherCount));
            throw;
        }
    }

    [Fact]
    public async Task AfterADroppedConnectionTheReplayedPricesFillTheLineWithoutAHole()
    {
        using var page = new Browser();
        try
        {
            page.Open(new Uri($"http://127.0.0.1:{_port}/"));
            page.WaitUntil(_ => Chart(page, "ACME").Count >= 3, "ACME's line");

            // The network fails and the page stays away for three of ACME's ticks (one every two seconds).
            _dashboard.Hold();
            Assert.Equal(1, _dashboard.Cut());
            page.WaitUntil(_ => page.Find("state").Text == "reconnecting", "the page to notice");
            var before = Chart(page, "ACME").Count;
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.Equal(before, Chart(page, "ACME").Count);
            _dashboard.Release();

            page.WaitUntil(_ => page.Find("state").Text == "open", "the reconnect");
            page.WaitUntil(_ => Chart(page, "ACME").Count >= before + 4, "the replayed prices and the next one");
            // x is time: the points are as evenly spaced after the outage as before it (no step twice as long).
            var points = Chart(page, "ACME");
            var steps = points.Zip(points.Skip(1), (a, b) => b.X - a.X).ToList();
            Assert.All(steps, step => Assert.True(step > 0, "x grows: " + string.Join(" ", steps)));
            var usual = steps.Order().ElementAt(steps.Count / 2);
            Assert.True(steps.Max() < usual * 1.5, $"a hole in the line: steps {string.Join(" ", steps.Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)))}");
            Assert.Single(Lines(page, "ACME")); // no gap was reported
        }
        catch
        {
            page.Screenshot(nameof(AfterADroppedConnectionTheReplayedPricesFillTheLineWithoutAHole));
            throw;
        }
    }

    private static decimal Price(Browser page, string symbol)
    {
        var text = page.Find("row-" + symbol).FindElement(By.ClassName("price")).Text;
        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    /// <summary>The points of a symbol's chart, in the order drawn (every polyline of it, read at once: each price redraws them).</summary>
    private static List<(double X, double Y)> Chart(Browser page, string symbol) => Lines(page, symbol)
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(point => point.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>The "points" of each polyline of a symbol's chart.</summary>
    private static List<string> Lines(Browser page, string symbol)
        => ((IEnumerable<object>)page.Run($"return [...document.querySelectorAll('#row-{symbol} svg.chart polyline')].map(line => line.getAttribute('points'));")!)
            .Cast<string>().ToList();
}
