using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Endpoints.Testing.Internal;

/// <summary>
/// The test sign-in: a request carrying <see cref="WebSocketEndpointTestHost.UserHeader"/> is that user (its
/// NameIdentifier and Name claims); a request without it is left to the app's own default scheme, if it has one, else is
/// anonymous. The scheme becomes the default, so <c>[Authorize]</c> endpoints accept it.
/// </summary>
internal sealed class TestAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Endpoints.Testing";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers[WebSocketEndpointTestHost.UserHeader].ToString();
        if (user.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user), new Claim(ClaimTypes.Name, user)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>The app's own default scheme, seen before the test scheme replaced it.</summary>
internal sealed class AppDefaultScheme
{
    public string? Name { get; set; }
}

internal static class TestAuthentication
{
    /// <summary>
    /// Adds the test scheme and makes it the default; a request without the test header is forwarded to the default
    /// scheme the app had (e.g. its JWT bearer), so the app's own sign-in keeps working beside the test one.
    /// </summary>
    public static void Add(IServiceCollection services)
    {
        var appDefault = new AppDefaultScheme();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, TestAuthenticationHandler>(TestAuthenticationHandler.SchemeName, scheme =>
                scheme.ForwardDefaultSelector = context =>
                    context.Request.Headers.ContainsKey(WebSocketEndpointTestHost.UserHeader) ? null : appDefault.Name);
        services.AddAuthorization();
        // After every Configure of the app: the app's choice is known by then.
        services.PostConfigure<AuthenticationOptions>(options =>
        {
            var previous = options.DefaultAuthenticateScheme ?? options.DefaultScheme;
            // As ASP.NET Core does: with no default named, an app's only scheme is its default.
            if (previous is null)
            {
                var own = options.Schemes.Where(static s => s.Name != TestAuthenticationHandler.SchemeName).Select(static s => s.Name).ToList();
                if (own.Count == 1) previous = own[0];
            }
            appDefault.Name = previous == TestAuthenticationHandler.SchemeName ? null : previous;
            options.DefaultScheme = TestAuthenticationHandler.SchemeName;
            options.DefaultAuthenticateScheme = TestAuthenticationHandler.SchemeName;
            // A challenge or forbid scheme the app named itself stays its own.
        });
    }
}
