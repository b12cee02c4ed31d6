
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The builder <c>MapWebSocketEndpoints()</c> returns: a convention added to it (for example
/// <c>.RequireAuthorization()</c>) applies to every endpoint it mapped.
/// </summary>
public sealed class WebSocketEndpointConventionBuilder : IEndpointConventionBuilder
{
    private readonly List<IEndpointConventionBuilder> _builders = [];

    /// <summary>Adds one mapped endpoint to the group.</summary>
    public void Add(IEndpointConventionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        _builders.Add(builder);
    }

    /// <summary>How many endpoints this builder covers.</summary>
    public int Count => _builders.Count;

    /// <inheritdoc />
    void IEndpointConventionBuilder.Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders) builder.Add(convention);
    }

    /// <inheritdoc />
    void IEndpointConventionBuilder.Finally(Action<EndpointBuilder> finalConvention)
    {
        foreach (var builder in _builders) builder.Finally(finalConvention);
    }
}
