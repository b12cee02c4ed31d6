namespace WsApp;

/// <summary>Builds the app; Program.cs runs it and the tests start it on a free port.</summary>
public static class AppHost
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddWebSocketEndpoints(options => options.MaxMessageSize = 64 * 1024);

        var app = builder.Build();
        app.MapWebSocketEndpoints();
        return app;
    }
}
