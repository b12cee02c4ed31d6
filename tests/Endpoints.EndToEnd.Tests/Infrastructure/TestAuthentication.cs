using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Endpoints.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A bearer scheme for tests: the token "name:role1,role2" comes in the Authorization header or, as browsers
/// must send it for WebSockets, in the access_token query value.
/// </summary>
public sealed class TestAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public new const string Scheme = "Test";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Query["access_token"].ToString();
        var header = Request.Headers.Authorization.ToString();
        if (token.Length == 0 && header.StartsWith("Bearer ", StringComparison.Ordinal)) token = header["Bearer ".Length..];
        if (token.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());

        var parts = token.Split(':');
        var claims = new List<Claim> { new(ClaimTypes.Name, parts[0]) };
        if (parts.Length > 1) claims.AddRange(parts[1].Split(',').Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme)));
    }
}
