namespace Dashboard;

/// <summary>The dashboard app, built the same way by Program.cs and by the tests that run it.</summary>
public static class DashboardApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5082");

        // Every WebSocket is one long request: no "Request starting/finished" console lines per connection, with its URL.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PriceBoard>();
        builder.Services.AddHostedService<PriceTicker>();
        // DNS rebinding: the WebSocket same-origin check compares Origin with Host, and a hostile page can make its own
        // host name resolve to this machine. Only these names may reach the app (set "AllowedHosts" to change them).
        builder.Services.AddHostFiltering(options => options.AllowedHosts =
            (builder.Configuration["AllowedHosts"] ?? "localhost;127.0.0.1;[::1]").Split(';', StringSplitOptions.RemoveEmptyEntries));
        builder.Services.AddWebSocketEndpoints();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseHostFiltering();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapWebSocketEndpoints();
        app.MapWebSocketClientScript();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) Console.WriteLine($"Dashboard: open {url}/ in a browser (WebSocket at {url.Replace("http", "ws", StringComparison.Ordinal)}/dashboard)");
        });
        return app;
    }
}
