using Chat;
using Microsoft.IdentityModel.Tokens;

var builder = WebApplication.CreateBuilder(args);

// A fixed local address unless --urls or ASPNETCORE_URLS says otherwise; --https serves https/wss with the
// development certificate (create and trust it once with `dotnet dev-certs https --trust`).
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls(args.Contains("--https") ? "https://127.0.0.1:5443" : "http://127.0.0.1:5081");
}

builder.Services.AddChat();
builder.Services.AddChatAuthentication(builder.Configuration);

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();

// A stand-in for a real sign-in: anyone may have a token for any name.
app.MapGet("/token", (string name, SymmetricSecurityKey key) => ChatAuthentication.IssueToken(key, name));
app.MapWebSocketEndpoints();

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls) Console.WriteLine($"Chat: open {url}/ in a browser (WebSocket at {url.Replace("http", "ws", StringComparison.Ordinal)}/chat/{{room}})");
});

app.Run();
