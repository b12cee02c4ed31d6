namespace Endpoints.Generator.Parsing;

/// <summary>Fully qualified names of the types the parser recognises.</summary>
internal static class KnownTypes
{
    public const string EndpointAttribute = "Endpoints.WebSocketEndpointAttribute";
    public const string AbstractionsAssembly = "Endpoints.Abstractions";
    public const string ModuleAttributeName = "WebSocketEndpointModuleAttribute";
    public const string Connection = "global::Endpoints.WebSocketConnection";
    public const string CloseInfo = "global::Endpoints.WebSocketCloseInfo";
    public const string Message = "global::Endpoints.WebSocketMessage";
    public const string HttpContext = "global::Microsoft.AspNetCore.Http.HttpContext";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string ClaimsPrincipal = "global::System.Security.Claims.ClaimsPrincipal";
    public const string Exception = "global::System.Exception";
    public const string String = "string";
    public const string ReadOnlyMemoryOfByte = "global::System.ReadOnlyMemory<byte>";
    public const string Task = "global::System.Threading.Tasks.Task";
    public const string ValueTask = "global::System.Threading.Tasks.ValueTask";
    public const string TaskOfT = "System.Threading.Tasks.Task<TResult>";
    public const string ValueTaskOfT = "System.Threading.Tasks.ValueTask<TResult>";
    public const string FromServicesAttributeName = "FromServicesAttribute";
    public const string FromServiceMetadata = "global::Microsoft.AspNetCore.Http.Metadata.IFromServiceMetadata";
    public const string FromQueryMetadata = "global::Microsoft.AspNetCore.Http.Metadata.IFromQueryMetadata";
    public const string FromHeaderMetadata = "global::Microsoft.AspNetCore.Http.Metadata.IFromHeaderMetadata";
    public const string FormatProvider = "global::System.IFormatProvider";
    public const string WebSocket = "global::System.Net.WebSockets.WebSocket";
    public const string Stream = "global::System.IO.Stream";
    public const string TextReader = "global::System.IO.TextReader";
    public const string InvalidMessage = "global::Endpoints.WebSocketInvalidMessage";
    public const string MessageAttribute = "global::Endpoints.WebSocketMessageAttribute";
    public const string JsonSerializerContext = "global::System.Text.Json.Serialization.JsonSerializerContext";
    public const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";
    public const string TargetOfT = "Endpoints.IWebSocketTarget<TEndpoint>";
}
