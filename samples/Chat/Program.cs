using Chat;

var builder = WebApplication.CreateBuilder(args);

// A fixed local address unless --urls or ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5081");
}

builder.Services.AddChat();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapWebSocketEndpoints();

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls) Console.WriteLine($"Chat: open {url}/ in a browser (WebSocket at {url.Replace("http", "ws", StringComparison.Ordinal)}/chat/{{room}})");
});

app.Run();
