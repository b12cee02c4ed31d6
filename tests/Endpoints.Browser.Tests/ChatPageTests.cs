using Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.Browser.Tests;

/// <summary>
/// The Chat sample's page in real headless Chromium: chat, reconnect after a restart, what was said while a page was
/// away replayed once and in order, a note for what could not be, no retry loop after a 401.
/// </summary>
public sealed class ChatPageTests : IAsyncLifetime
{
    private const string SigningKey = "the browser tests' signing key, 32 bytes or more";
    private const string NotRecovered = "some messages could not be recovered";
    private readonly int _port = Browser.FreePort();
    private readonly ConnectionCutter _chat = new("/chat");
    private WebApplication? _app;

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
    public Task APageThatLostItsConnectionShowsWhatWasSaidMeanwhileOnceAndInOrder() => WithBrowsers(2, nameof(APageThatLostItsConnectionShowsWhatWasSaidMeanwhileOnceAndInOrder), browsers =>
    {
        var (ann, ben) = (browsers[0], browsers[1]);
        ann.Open(Page("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "ann connected");
        ben.Open(Page("ben"));
        ben.WaitUntil(_ => ben.Find("state").Text == "connected to lobby", "ben connected");
        ann.WaitUntil(_ => ann.Find("members").Text == "ann (you)\nben", "ann's member list to show ben");
        ann.Type("text", "before the drop");
        ann.WaitUntil(_ => ann.Lines().Contains("ann: before the drop"), "ann's line");

        // Ann's network fails (the server resets her connection) and stays away while ben talks.
        _chat.Hold();
        Assert.Equal(1, _chat.Cut("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "reconnecting…", "ann's page to notice");
        foreach (var line in new[] { "one", "two", "three" }) ben.Type("text", line);
        ann.Type("text", "typed while away");
        ben.WaitUntil(_ => ben.Lines().Contains("ben: three"), "ben's lines");
        _chat.Release();

        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "ann back");
        ann.WaitUntil(_ => ann.Lines().Contains("ben: three"), "the replay");
        ben.WaitUntil(_ => ben.Lines().Contains("ann: typed while away"), "ann's queued line");
        ann.WaitUntil(_ => ann.Find("members").Text == "ann (you)\nben", "ann's member list after the resume");
        var lines = ann.Lines().ToList();
        Assert.Equal(["ben: one", "ben: two", "ben: three"], lines.Where(line => line.StartsWith("ben: ", StringComparison.Ordinal)));
        Assert.True(lines.IndexOf("reconnected") < lines.IndexOf("ben: one"), string.Join(" | ", lines));
        Assert.Single(lines, "ann: before the drop");
        Assert.Single(lines, "ann: typed while away");
        // A resumed session: no second welcome, no "joined" of her own, not her own leaving, and nothing missing.
        Assert.Single(lines, line => line.StartsWith("welcome to lobby", StringComparison.Ordinal));
        Assert.Single(lines, "ann joined");
        Assert.DoesNotContain("ann left", lines);
        Assert.DoesNotContain("ann is back", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith(NotRecovered, StringComparison.Ordinal));
        // Back within the presence grace, ann never left: ben heard neither her leaving nor her coming back (a "back"
        // would have come before her queued line, which her OnOpen precedes), and she is still in his member list.
        var benLines = ben.Lines().ToList();
        Assert.Single(benLines, "ann: typed while away");
        Assert.DoesNotContain("ann left", benLines);
        Assert.DoesNotContain("ann is back", benLines);
        Assert.Equal("ann\nben (you)", ben.Find("members").Text);
        return Task.CompletedTask;
    });

    [Fact]
    public Task AfterAServerRestartThePageSaysThatSomeMessagesCouldNotBeRecovered() => WithBrowsers(1, nameof(AfterAServerRestartThePageSaysThatSomeMessagesCouldNotBeRecovered), async browsers =>
    {
        var ann = browsers[0];
        ann.Open(Page("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "connected");
        ann.Type("text", "hello");
        ann.WaitUntil(_ => ann.Lines().Contains("ann: hello"), "ann's line");

        // The history was in the old server's memory: nobody knows what was said in between.
        await StopServerAsync();
        ann.WaitUntil(_ => ann.Find("state").Text == "reconnecting…", "the page to notice");
        await StartServerAsync();
        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "the reconnect", seconds: 10);
        ann.WaitUntil(_ => ann.Lines().Contains(NotRecovered + " (an unknown number)"), "the note");
        // One note for the reconnect, however many streams had a gap.
        Assert.Single(ann.Lines(), line => line.StartsWith(NotRecovered, StringComparison.Ordinal));
        Assert.Single(ann.Lines(), "ann: hello");
    });

    [Fact]
    public Task APageAwayLongerThanTheHistorySaysHowManyMessagesItMissed() => WithBrowsers(2, nameof(APageAwayLongerThanTheHistorySaysHowManyMessagesItMissed), async browsers =>
    {
        // A room whose history keeps only the last three messages.
        await StopServerAsync();
        await StartServerAsync(services => services.Configure<WebSocketEndpointOptions>(options => options.History.MaxMessages = 3));
        var (ann, ben) = (browsers[0], browsers[1]);
        ann.Open(Page("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "connected to lobby", "ann connected");
        ben.Open(Page("ben"));
        ben.WaitUntil(_ => ben.Find("state").Text == "connected to lobby", "ben connected");
        ann.WaitUntil(_ => ann.Lines().Contains("ben joined"), "ann to see ben join");

        _chat.Hold();
        Assert.Equal(1, _chat.Cut("ann"));
        ann.WaitUntil(_ => ann.Find("state").Text == "reconnecting…", "ann's page to notice");
        foreach (var line in new[] { "one", "two", "three", "four", "five" }) ben.Type("text", line);
        ben.WaitUntil(_ => ben.Lines().Contains("ben: five"), "ben's lines");
        _chat.Release();

        ann.WaitUntil(_ => ann.Lines().Contains("ben: five"), "the replay");
        var lines = ann.Lines().ToList();
        // One and two were trimmed: the last three messages come, after the note.
        Assert.Equal(["ben: three", "ben: four", "ben: five"], lines.Where(line => line.StartsWith("ben: ", StringComparison.Ordinal)));
        Assert.Equal(NotRecovered + " (2 missed)", Assert.Single(lines, line => line.StartsWith(NotRecovered, StringComparison.Ordinal)));
        Assert.True(lines.IndexOf(NotRecovered + " (3 missed)") < lines.IndexOf("ben: three"), string.Join(" | ", lines));
    });

    [Fact]
    public Task APageRefusedWith401StopsInsteadOfRetryingInALoop() => WithBrowsers(1, nameof(APageRefusedWith401StopsInsteadOfRetryingInALoop), browsers =>
    {
        var page = browsers[0];
        page.Open(new Uri($"http://127.0.0.1:{_port}/token?name=nobody")); // any page of the site, without the chat on it
        var before = _chat.Requests;
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
        Assert.InRange(_chat.Requests - before, 1, 2); // the upgrade, and the HTTP probe that learned the status
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

    private async Task StartServerAsync(Action<IServiceCollection>? configure = null)
    {
        var app = ChatApp.Create(["--urls", $"http://127.0.0.1:{_port}", $"--Chat:SigningKey={SigningKey}", "--contentRoot", AppContext.BaseDirectory, "--webroot", "chat-wwwroot"],
            builder =>
            {
                builder.Logging.ClearProviders();
                // First in the pipeline, before authentication answers 401: counts, holds and cuts the chat's requests.
                builder.Services.AddSingleton<IStartupFilter>(_chat);
                configure?.Invoke(builder.Services);
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
}
