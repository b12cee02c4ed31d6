using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Endpoints;

/// <summary>
/// Says which user a connection belongs to (<see cref="WebSocketConnection.UserId"/>), for sends to every connection
/// of a user. Register your own as a singleton to replace the default rule: the authenticated user's
/// <see cref="ClaimTypes.NameIdentifier"/> claim, else its name; anonymous connections have none.
/// </summary>
public interface IWebSocketUserIdProvider
{
    /// <summary>The user id for the upgrade request, or <see langword="null"/> for none.</summary>
    string? GetUserId(HttpContext context);
}

/// <summary>The default rule: <see cref="ClaimTypes.NameIdentifier"/>, else the identity's name, when authenticated.</summary>
internal sealed class DefaultUserIdProvider : IWebSocketUserIdProvider
{
    public static readonly DefaultUserIdProvider Instance = new();

    public string? GetUserId(HttpContext context)
    {
        // Through the feature: HttpContext.User would create an empty principal for every anonymous connection.
        if (context.Features.Get<IHttpAuthenticationFeature>()?.User is not { Identity.IsAuthenticated: true } user) return null;
        var id = user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return string.IsNullOrEmpty(id) ? user.Identity.Name : id;
    }
}
