namespace Endpoints.Generator.Emitting;

/// <summary>
/// The types and members of Endpoints.Runtime that generated code uses: its contract with the runtime
/// (src/Endpoints.Runtime/Generated). A test resolves every name here against the runtime assembly, so a rename
/// on either side fails that test, not a user's build.
/// </summary>
internal static class RuntimeContract
{
    public const string Namespace = "global::Endpoints.Runtime.Generated";

    /// <summary>The base class of every generated handler.</summary>
    public const string Handler = Namespace + ".WebSocketEndpointHandler";

    /// <summary>Maps a route and reads request values.</summary>
    public const string Routing = Namespace + ".WebSocketEndpointRouting";

    /// <summary>Accepts the upgrade and runs the connection.</summary>
    public const string Upgrade = Namespace + ".WebSocketEndpointUpgrade";

    /// <summary>One endpoint's settings from its attribute.</summary>
    public const string Settings = Namespace + ".WebSocketEndpointSettings";

    /// <summary>A service an endpoint needs, checked when it is mapped.</summary>
    public const string Service = Namespace + ".WebSocketEndpointService";

    /// <summary>What <c>MapWebSocketEndpoints()</c> returns: the user's to hold, so beside ASP.NET Core's builders.</summary>
    public const string ConventionBuilder = "global::Microsoft.AspNetCore.Builder.WebSocketEndpointConventionBuilder";

    /// <summary>Encodes an endpoint's typed messages; the generated codec derives from it.</summary>
    public const string Codec = Namespace + ".WebSocketMessageCodec";

    /// <summary>JSON in and out for typed messages.</summary>
    public const string Json = Namespace + ".WebSocketJson";

    /// <summary>The assembly attribute naming a project's module (in Endpoints.Abstractions).</summary>
    public const string ModuleAttribute = "global::Endpoints.WebSocketEndpointModuleAttribute";

    // Members of Routing.
    public const string Map = "Map";
    public const string GetRouteValue = "GetRouteValue";
    public const string GetQueryValue = "GetQueryValue";
    public const string GetHeaderValue = "GetHeaderValue";
    public const string IsWebSocketRequest = "IsWebSocketRequest";
    public const string RejectNonWebSocketRequest = "RejectNonWebSocketRequest";
    public const string BadRequest = "BadRequest";

    // Members of Upgrade.
    public const string RunAsync = "RunAsync";

    // Members of Handler that generated code overrides or reads.
    public const string Context = "Context";
    public const string Connection = "Connection";
    public const string Services = "Services";
    public const string AcceptsText = "AcceptsText";
    public const string AcceptsBinary = "AcceptsBinary";
    public const string StreamsText = "StreamsText";
    public const string StreamsBinary = "StreamsBinary";
    public const string OnTextStreamAsync = "OnTextStreamAsync";
    public const string OnBinaryStreamAsync = "OnBinaryStreamAsync";
    public const string CreateEndpoint = "CreateEndpoint";
    public const string OnOpenAsync = "OnOpenAsync";
    public const string OnTextAsync = "OnTextAsync";
    public const string OnBinaryAsync = "OnBinaryAsync";
    public const string OnCloseAsync = "OnCloseAsync";
    public const string OnErrorAsync = "OnErrorAsync";
    public const string DecodeText = "DecodeText";
    public const string RejectMessageAsync = "RejectMessageAsync";
    public const string ReplyAsync = "ReplyAsync";

    // Members of Json and Codec.
    public const string TryReadType = "TryReadType";
    public const string TypeIs = "TypeIs";
    public const string TypeText = "TypeText";
    public const string TryDeserialize = "TryDeserialize";
    public const string Serialize = "Serialize";
    public const string TryEncode = "TryEncode";
}
