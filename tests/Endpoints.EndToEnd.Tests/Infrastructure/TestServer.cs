using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 with a free port, serving the test endpoints. Stops itself on dispose.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri httpBase)
    {
        _app = app;
        HttpBase = httpBase;
    }

    public Uri HttpBase { get; }

    public Probe Probe => _app.Services.GetRequiredService<Probe>();

    public IServiceProvider Services => _app.Services;

    public Uri WebSocketUri(string path) => new($"{(HttpBase.Scheme == "https" ? "wss" : "ws")}://{HttpBase.Authority}{path}");

    public static async Task<TestServer> StartAsync(
        Action<WebSocketEndpointOptions>? options = null,
        Action<WebApplication>? map = null,
        HttpProtocols protocols = HttpProtocols.Http1,
        bool addEndpointServices = true,
        Action<IServiceCollection>? services = null,
        X509Certificate2? certificate = null,
        TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = protocols;
            if (certificate is not null) listen.UseHttps(certificate);
        }));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Probe>();
        builder.Services.AddScoped<ScopedResource>();
        builder.Services.AddSingleton<TestEndpoints.Clock>();
        builder.Services.AddSingleton<TestEndpoints.Calendar>();
        // The Chat sample's endpoint (mapped from its assembly) says who left through it.
        builder.Services.AddSingleton<Chat.ChatPresence>();
        builder.Services.AddAuthentication(TestAuthenticationHandler.Scheme)
            .AddScheme<AuthenticationSchemeOptions, TestAuthenticationHandler>(TestAuthenticationHandler.Scheme, null);
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddFixedWindowLimiter("one-per-minute", window =>
            {
                window.PermitLimit = 1;
                window.Window = TimeSpan.FromMinutes(1);
                window.QueueLimit = 0;
            });
        });
        // Timeouts read this clock: a test that passes a fake one moves time instead of waiting for it.
        if (time is not null) builder.Services.AddSingleton(time);
        services?.Invoke(builder.Services);
        if (addEndpointServices)
        {
            builder.Services.AddWebSocketEndpoints(o =>
            {
                o.CloseTimeout = TimeSpan.FromSeconds(3);
                options?.Invoke(o);
            });
        }

        var app = builder.Build();
        // Every request's end is an event a test can wait for, instead of sleeping to let a late effect show.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                context.RequestServices.GetRequiredService<Probe>().Record(Probe.Requests, "ended " + context.Request.Path);
            }
        });
        app.UseRateLimiter();
        if (map is null) app.MapWebSocketEndpoints();
        else map(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>A scoped service that records when its scope ends.</summary>
public sealed class ScopedResource(Probe probe) : IDisposable
{
    public string Key { get; set; } = "";

    public void Dispose() => probe.Record(Key, "scope disposed");
}
