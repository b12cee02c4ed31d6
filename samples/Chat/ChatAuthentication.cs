using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Chat;

/// <summary>
/// JWT bearer authentication for the chat. Browsers cannot set headers on a WebSocket upgrade, so the token
/// comes in the <c>access_token</c> query value on the chat path (the pattern ASP.NET Core documents for
/// SignalR). <c>/token</c> hands out tokens to anyone who asks: a stand-in for a real sign-in.
/// </summary>
public static class ChatAuthentication
{
    private const string Issuer = "endpoints-chat-sample";

    public static IServiceCollection AddChatAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        // A fixed key from configuration in production; a fresh random one per run here.
        var keyText = configuration["Chat:SigningKey"];
        var key = new SymmetricSecurityKey(keyText is { Length: >= 32 } ? System.Text.Encoding.UTF8.GetBytes(keyText) : RandomNumberGenerator.GetBytes(32));
        services.AddSingleton(key);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = Issuer,
                IssuerSigningKey = key,
                NameClaimType = ClaimTypes.Name,
            };
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var token = context.Request.Query["access_token"].ToString();
                    if (token.Length > 0 && context.HttpContext.Request.Path.StartsWithSegments("/chat")) context.Token = token;
                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorization();
        return services;
    }

    /// <summary>Issues a one-hour token for <paramref name="name"/>.</summary>
    public static string IssueToken(SymmetricSecurityKey key, string name)
    {
        var token = new JwtSecurityToken(
            issuer: Issuer,
            audience: Issuer,
            claims: [new Claim(ClaimTypes.Name, name)],
            expires: DateTime.UtcNow.AddHours(1),
            signingCredentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
