using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Endpoints.Testing.Tests;

/// <summary>What a second reading of the host found: an app's only sign-in scheme, and a single message type's own Type.</summary>
public sealed class ReviewTests
{
    [Fact]
    public async Task AnAppsOnlySchemeStillSignsInConnectionsWithoutATestUser()
    {
        // No default scheme named: ASP.NET Core takes the only one, and so must the host beside its own test scheme.
        await using var host = await WebSocketEndpointTestHost.StartAsync<WhoAmIEndpoint>(services =>
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AppHeaderHandler>("App", null));

        await using var carl = await host.ConnectAsync("/whoami", configure: options => options.SetRequestHeader(AppHeaderHandler.Header, "carl"));
        Assert.Equal("carl", await carl.ReceiveTextAsync());
        await using var ann = await host.ConnectAsync("/whoami", user: "ann");
        Assert.Equal("ann", await ann.ReceiveTextAsync());
    }

    [Fact]
    public async Task ASingleMessageTypesOwnTypePropertyIsSentAsItIs()
    {
        await using var host = await WebSocketEndpointTestHost.StartAsync<AlertEndpoint>();
        await using var client = await host.ConnectAsync("/alerts");

        await client.SendAsync(new Alert(AlertLevel.High, "disk full"), AlertJson.Default.Alert);

        Assert.Equal("High: disk full", await client.ReceiveTextAsync());
    }

    /// <summary>The app's own scheme: signs in whoever the header names.</summary>
    private sealed class AppHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Header = "X-App-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var name) || name.Count == 0) return Task.FromResult(AuthenticateResult.NoResult());
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name[0]!), new Claim(ClaimTypes.NameIdentifier, name[0]!)], Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }
}

public enum AlertLevel
{
    Low,
    High,
}

/// <summary>Its own "type" (web naming): the endpoint takes only this type, so no type property is read.</summary>
public sealed record Alert(AlertLevel Type, string Text);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Alert))]
public sealed partial class AlertJson : JsonSerializerContext;

[WebSocketEndpoint("/alerts", JsonContext = typeof(AlertJson))]
public sealed class AlertEndpoint
{
    public ValueTask OnMessage(WebSocketConnection connection, Alert alert) => connection.SendTextAsync($"{alert.Type}: {alert.Text}");
}
