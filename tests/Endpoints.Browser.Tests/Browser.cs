using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Endpoints.Browser.Tests;

/// <summary>
/// One headless Chromium session driven through Debian's chromedriver (nothing is downloaded). A failing test leaves a
/// screenshot in the test results.
/// </summary>
public sealed class Browser : IDisposable
{
    private readonly ChromeDriver _driver;

    public Browser()
    {
        var driverPath = Find("chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Find("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser") };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,800");
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public IWebDriver Driver => _driver;

    public void Open(Uri url) => _driver.Navigate().GoToUrl(url);

    public IWebElement Find(string id) => _driver.FindElement(By.Id(id));

    public void Type(string id, string text)
    {
        var input = Find(id);
        input.SendKeys(text);
        input.SendKeys(Keys.Enter);
    }

    /// <summary>The chat log's lines without their times.</summary>
    public IReadOnlyList<string> Lines() => _driver.FindElements(By.CssSelector("#log li"))
        .Select(li => li.Text[(li.FindElement(By.TagName("time")).Text.Length)..].Trim()).ToList();

    public void WaitUntil(Func<IWebDriver, bool> condition, string what, int seconds = 15)
        => new WebDriverWait(_driver, TimeSpan.FromSeconds(seconds)) { Message = "Waited for " + what }.Until(condition);

    public object? Run(string script) => _driver.ExecuteScript(script);

    /// <summary>Saves a screenshot next to the test results (ENDPOINTS_TEST_RESULTS, set by test.sh).</summary>
    public void Screenshot(string name)
    {
        var directory = Environment.GetEnvironmentVariable("ENDPOINTS_TEST_RESULTS") is { Length: > 0 } results
            ? Path.Combine(results, "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, string.Concat(name.Split(Path.GetInvalidFileNameChars())) + ".png");
        _driver.GetScreenshot().SaveAsFile(path);
        Console.WriteLine("Screenshot: " + path);
    }

    public void Dispose() => _driver.Quit();

    /// <summary>A loopback port nothing listens on right now, for a server the test starts (and may restart) on it.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Find(string name, params string[] candidates)
        => candidates.FirstOrDefault(File.Exists)
           ?? throw new InvalidOperationException($"{name} is not installed: run ./test.sh (it installs chromium and chromium-driver), or apt-get install chromium chromium-driver.");
}
