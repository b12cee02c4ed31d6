var builder = WebApplication.CreateSlimBuilder(args);

// A fixed local address unless --urls or ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

// Every WebSocket is one long request: ASP.NET Core's "Request starting/finished" lines would be two console writes per
// connection, with its URL (the project templates' appsettings.json turn them down the same way).
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

// DNS rebinding: the WebSocket same-origin check compares Origin with Host, and a hostile page can make its own
// host name resolve to this machine. Only these names may reach the app (set "AllowedHosts" to change them).
builder.Services.AddHostFiltering(options => options.AllowedHosts =
    (builder.Configuration["AllowedHosts"] ?? "localhost;127.0.0.1;[::1]").Split(';', StringSplitOptions.RemoveEmptyEntries));

// --EnableCompression=true (or EnableCompression=true in the environment) offers permessage-deflate.
var enableCompression = bool.TryParse(builder.Configuration["EnableCompression"], out var compress) && compress;
builder.Services.AddWebSocketEndpoints(options => options.EnableCompression = enableCompression);

var app = builder.Build();
app.UseHostFiltering();
app.MapWebSocketEndpoints();

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        Console.WriteLine($"Echo endpoint: {url.Replace("http", "ws", StringComparison.Ordinal)}/echo");
    }
});

app.Run();
