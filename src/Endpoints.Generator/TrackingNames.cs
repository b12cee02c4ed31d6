namespace Endpoints.Generator;

/// <summary>Names of the pipeline steps, so that tests can check what was cached after an edit.</summary>
internal static class TrackingNames
{
    public const string ParseEndpoints = nameof(ParseEndpoints);
    public const string EndpointDiagnostics = nameof(EndpointDiagnostics);
    public const string ValidEndpoints = nameof(ValidEndpoints);
    public const string EndpointsWithModule = nameof(EndpointsWithModule);
    public const string Module = nameof(Module);
    public const string AllEndpoints = nameof(AllEndpoints);
    public const string Routes = nameof(Routes);
    public const string AnyEndpointClass = nameof(AnyEndpointClass);
    public const string JsonContexts = nameof(JsonContexts);
    public const string JsonCoverage = nameof(JsonCoverage);
    public const string JsonCoverageDiagnostics = nameof(JsonCoverageDiagnostics);
    public const string SendSites = nameof(SendSites);
    public const string EndpointNames = nameof(EndpointNames);
    public const string ClientsSites = nameof(ClientsSites);
    public const string UsageSites = nameof(UsageSites);
    public const string Contracts = nameof(Contracts);
    public const string AsyncApiApp = nameof(AsyncApiApp);
    public const string AsyncApiDocument = nameof(AsyncApiDocument);
    public const string TypeScriptClient = nameof(TypeScriptClient);

    // The typed C# client's generator (Endpoints.Client.Generator).
    public const string ParseClients = nameof(ParseClients);
    public const string ClientDiagnostics = nameof(ClientDiagnostics);
    public const string ValidClients = nameof(ValidClients);
}
