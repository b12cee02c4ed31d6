namespace WsApp;

/// <summary>Builds the app; Program.cs runs it and the tests start it on a free port.</summary>
public static class AppHost
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // DNS rebinding: the WebSocket same-origin check compares Origin with Host, and a hostile page can make its own
        // host name resolve to this machine. Only these names may reach the app (set "AllowedHosts" to change them).
        builder.Services.AddHostFiltering(options => options.AllowedHosts =
            (builder.Configuration["AllowedHosts"] ?? "localhost;127.0.0.1;[::1]").Split(';', StringSplitOptions.RemoveEmptyEntries));
        builder.Services.AddWebSocketEndpoints(options => options.MaxMessageSize = 64 * 1024);

        var app = builder.Build();
        app.UseHostFiltering();
        app.MapWebSocketEndpoints();
        return app;
    }
}
