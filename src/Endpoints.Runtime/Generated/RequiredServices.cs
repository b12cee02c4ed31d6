using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Endpoints.Runtime.Generated;

/// <summary>
/// The startup check: every service an endpoint cannot do without (its constructor's, its required members', its
/// [FromServices] parameters') must be registered, or mapping it throws with one message that names each.
/// </summary>
internal static class RequiredServices
{
    public static void ThrowIfMissing(IServiceProvider services, WebSocketEndpointSettings settings)
    {
        if (settings.Services.Count == 0) return;
        // A container that cannot answer (not Microsoft.Extensions.DependencyInjection) is trusted.
        if (services.GetService<IServiceProviderIsService>() is not { } isService) return;
        List<WebSocketEndpointService>? missing = null;
        foreach (var service in settings.Services)
        {
            if (!isService.IsService(service.ServiceType)) (missing ??= []).Add(service);
        }
        if (missing is null) return;

        var message = new StringBuilder($"The WebSocket endpoint {settings.Name} (\"{settings.Pattern}\") needs services that are not registered: ");
        for (var i = 0; i < missing.Count; i++)
        {
            if (i > 0) message.Append("; ");
            message.Append(Display(missing[i].ServiceType)).Append(" (").Append(missing[i].UsedBy).Append(')');
        }
        message.Append(". Register ").Append(missing.Count == 1 ? "it" : "them").Append(" before builder.Build(), e.g. ");
        var first = missing.FirstOrDefault(static m => IsClients(m.ServiceType)) ?? missing[0];
        // IWebSocketClients<T> comes with the endpoint services, not from a registration of its own.
        message.Append(IsClients(first.ServiceType) ? "builder.Services.AddWebSocketEndpoints()" : "builder.Services.AddSingleton<" + Display(first.ServiceType) + ">()").Append('.');
        throw new InvalidOperationException(message.ToString());
    }

    private static bool IsClients(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IWebSocketClients<>);

    // "Dictionary<String, Int32>" rather than "Dictionary`2".
    private static string Display(Type type)
    {
        if (!type.IsGenericType) return type.Name;
        var name = type.Name;
        var tick = name.IndexOf('`');
        return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", type.GetGenericArguments().Select(Display)) + ">";
    }
}
