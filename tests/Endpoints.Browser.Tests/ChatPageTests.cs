using Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.Browser.Tests;

/// <summary>The Chat sample's page in real headless Chromium: chat, reconnect after a restart, no retry loop after a 401.</summary>
public sealed class ChatPageTests : IAsyncLifetime
{
    private const string SigningKey = "the browser tests' signing key, 32 bytes or more";
    private readonly int _port = Browser.FreePort();
    private WebApplication? _app;
    private int _chatUpgrades;

    private Uri Page(string name, string room = "lobby") => new($"http://127.0.0.1:{_port}/?name={name}&room={room}");

    public Task InitializeAsync() => StartServerAsync();

    public async Task DisposeAsync() => await StopServerAsync();

    [Fact]
    public Task TwoPeopleChatInARoomAndSeeWhoIsThere() => WithBrowsers(2, nameof(TwoPeopleChatInARoomAndSeeWhoIsThere), browsers =>
    {
        var (ann, ben) = (browsers[0], browsers[1]);
        ann.Open(Page("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "ann connected");
        ben.Open(Page("ben"));
        ben.WaitUntil(_ => ben.Find("state").Text == "connected to lobby", "ben connected");
        ann.WaitUntil(_ => ann.Find("members").Text == "ann (you)\nben", "ann's member list to show ben");

        ann.Type("text", "hello ben");
        ben.WaitUntil(_ => ben.Lines().Contains("ann: hello ben"), "ben to read ann");
        ann.WaitUntil(_ => ann.Find("log").FindElements(OpenQA.Selenium.By.CssSelector("li.me")).Any(li => li.Text.EndsWith("ann: hello ben")), "ann's own line marked as hers");
        ben.Type("text", "hi ann");
        ann.WaitUntil(_ => ann.Lines().Contains("ben: hi ann"), "ann to read ben");
        return Task.CompletedTask;
    });

    [Fact]
    public Task AfterTheServerRestartsBothPagesReconnectAndChatAgain() => WithBrowsers(2, nameof(AfterTheServerRestartsBothPagesReconnectAndChatAgain), async browsers =>
    {
        var (ann, ben) = (browsers[0], browsers[1]);
        ann.Open(Page("ann"));
        ben.Open(Page("ben"));
        foreach (var browser in browsers) browser.WaitUntil(_ => browser.Find("state").Text == "connected to lobby", "connected");

        await StopServerAsync();
        foreach (var browser in browsers) browser.WaitUntil(_ => browser.Find("state").Text == "reconnecting…", "the page to notice");
        await StartServerAsync();
        // Back within 10 s, by themselves, in the same room.
        foreach (var browser in browsers) browser.WaitUntil(_ => browser.Find("state").Text == "connected to lobby", "the reconnect", seconds: 10);
        ann.Type("text", "still here?");
        ben.WaitUntil(_ => ben.Lines().Contains("ann: still here?"), "chat after the restart", seconds: 10);
    });

    [Fact]
    public Task APageRefusedWith401StopsInsteadOfRetryingInALoop() => WithBrowsers(1, nameof(APageRefusedWith401StopsInsteadOfRetryingInALoop), browsers =>
    {
        var page = browsers[0];
        page.Open(new Uri($"http://127.0.0.1:{_port}/token?name=nobody")); // any page of the site, without the chat on it
        var before = _chatUpgrades;
        // No token: the upgrade gets 401.
        // The client retries only through a timer: the page keeps the timers it has pending, so the test can see that
        // none is left once it stopped, instead of waiting to see whether a retry comes.
        page.Run("""
            window.pendingTimers = new Map();
            const realSetTimeout = window.setTimeout.bind(window), realClearTimeout = window.clearTimeout.bind(window);
            window.setTimeout = (callback, delay, ...args) => {
              const id = realSetTimeout(() => { window.pendingTimers.delete(id); callback(...args); }, delay);
              window.pendingTimers.set(id, String(callback));
              return id;
            };
            window.clearTimeout = id => { window.pendingTimers.delete(id); realClearTimeout(id); };
            import('/_endpoints/client.js').then(({ EndpointsSocket }) => {
              window.states = [];
              const socket = new EndpointsSocket('/chat/lobby');
              socket.addEventListener('statechange', e => window.states.push(e.detail.state + ':' + (e.detail.status ?? '')));
            });
            """);
        page.WaitUntil(d => (page.Run("return (window.states || []).join(',')") as string)?.Contains("closed:401") == true,
            "the client to stop on 401 (states so far: " + page.Run("return (window.states || []).join(',')") + ")");
        Assert.Equal("", page.Run("return [...window.pendingTimers.values()].join(' | ')"));
        Assert.Equal("closed:401", page.Run("return window.states.join(',')"));
        Assert.InRange(_chatUpgrades - before, 1, 2); // the upgrade, and the HTTP probe that learned the status
        return Task.CompletedTask;
    });

    private async Task WithBrowsers(int count, string test, Func<Browser[], Task> body)
    {
        var browsers = Enumerable.Range(0, count).Select(_ => new Browser()).ToArray();
        try
        {
            await body(browsers);
        }
        catch
        {
            for (var i = 0; i < browsers.Length; i++) browsers[i].Screenshot($"{test}-{i + 1}");
            throw;
        }
        finally
        {
            foreach (var browser in browsers) browser.Dispose();
        }
    }

    private async Task StartServerAsync()
    {
        var app = ChatApp.Create(["--urls", $"http://127.0.0.1:{_port}", $"--Chat:SigningKey={SigningKey}", "--contentRoot", AppContext.BaseDirectory, "--webroot", "chat-wwwroot"],
            builder =>
            {
                builder.Logging.ClearProviders();
                // First in the pipeline, before authentication answers 401: counts every request to the chat.
                builder.Services.AddSingleton<IStartupFilter>(new CountChatRequests(() => Interlocked.Increment(ref _chatUpgrades)));
            });
        await app.StartAsync();
        _app = app;
    }

    private async Task StopServerAsync()
    {
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    private sealed class CountChatRequests(Action count) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, inner) =>
            {
                if (context.Request.Path.StartsWithSegments("/chat")) count();
                return inner(context);
            });
            next(app);
        };
    }
}
