using Microsoft.IdentityModel.Tokens;

namespace Chat;

/// <summary>The chat app, built the same way by Program.cs and by the tests that run it.</summary>
public static class ChatApp
{
    /// <summary>
    /// Builds the app. <paramref name="configure"/> lets a test add to the builder (a log sink, a fixed port) before it
    /// is built; the app itself reads everything else from configuration (<c>--urls</c>, <c>Chat:SigningKey</c>, …).
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // A fixed local address unless --urls or ASPNETCORE_URLS says otherwise; --https serves https/wss with the
        // development certificate (create and trust it once with `dotnet dev-certs https --trust`).
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(args.Contains("--https") ? "https://127.0.0.1:5443" : "http://127.0.0.1:5081");
        }

        // Browsers send the chat's token in the query string (they cannot set headers on a WebSocket upgrade), and
        // ASP.NET Core's "Request starting …" lines print the whole URL at Information. Keep them out of the default
        // levels, so no token reaches the console; the paths the chat serves are logged below, without the query.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        // DNS rebinding: the WebSocket same-origin check compares Origin with Host, and a hostile page can make its own
        // host name resolve to this machine. Only these names may reach the app (set "AllowedHosts" to change them).
        builder.Services.AddHostFiltering(options => options.AllowedHosts =
            (builder.Configuration["AllowedHosts"] ?? "localhost;127.0.0.1;[::1]").Split(';', StringSplitOptions.RemoveEmptyEntries));
        var endpoints = builder.Services.AddWebSocketEndpoints(options => options.OutboxCapacity = 64);
        // Two Chat servers with the same Redis (and the same Chat:SigningKey) are one chat: rooms, /msg and /who span both.
        if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            endpoints.AddRedis(redis, options =>
            {
                options.ChannelPrefix = "chat";
                if (builder.Configuration["Chat:NodeId"] is { Length: > 0 } node) options.NodeId = node;
                // How soon a crashed server's users leave /who on the others (defaults: 5 s beats, 15 s expiry).
                if (double.TryParse(builder.Configuration["Chat:HeartbeatSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var beat)) options.HeartbeatInterval = TimeSpan.FromSeconds(beat);
                if (double.TryParse(builder.Configuration["Chat:NodeExpirySeconds"], System.Globalization.CultureInfo.InvariantCulture, out var expiry)) options.NodeExpiry = TimeSpan.FromSeconds(expiry);
            });
        }
        builder.Services.AddSingleton<ChatPresence>();
        builder.Services.AddChatAuthentication(builder.Configuration);
        builder.Services.AddHealthChecks();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseHostFiltering();
        var requests = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chat.Requests");
        app.Use((context, next) =>
        {
            requests.LogInformation("{Method} {Path}", context.Request.Method, context.Request.Path);
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();

        // A stand-in for a real sign-in: anyone may have a token for any name.
        app.MapGet("/token", (string name, SymmetricSecurityKey key) => ChatAuthentication.IssueToken(key, name));
        app.MapHealthChecks("/healthz");
        app.MapWebSocketEndpoints();
        app.Services.GetRequiredService<ChatPresence>(); // listens from the start
        app.MapWebSocketClientScript(); // the page's reconnecting client, at /_endpoints/client.js

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) Console.WriteLine($"Chat: open {url}/ in a browser (WebSocket at {url.Replace("http", "ws", StringComparison.Ordinal)}/chat/{{room}})");
        });
        return app;
    }
}
