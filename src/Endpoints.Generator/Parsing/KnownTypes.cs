namespace Endpoints.Generator.Parsing;

/// <summary>
/// Names of the types the generator finds by name where Roslyn asks for a name: the attributes its pipelines start
/// from, and the module attribute of referenced assemblies. Everything else is compared as a symbol
/// (<see cref="KnownTypeSymbols"/>).
/// </summary>
internal static class KnownTypes
{
    public const string EndpointAttribute = "Endpoints.WebSocketEndpointAttribute";
    public const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";
    public const string AbstractionsAssembly = "Endpoints.Abstractions";
    public const string ModuleAttributeName = "WebSocketEndpointModuleAttribute";

    /// <summary>Any attribute of this name marks a service parameter, besides those implementing IFromServiceMetadata.</summary>
    public const string FromServicesAttributeName = "FromServicesAttribute";
}
