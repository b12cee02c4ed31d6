using System.Collections.Generic;
using System.Linq;
using Endpoints.Generator.Common;

namespace Endpoints.Generator.Model;

/// <summary>Everything the emitter needs to write one endpoint; strings, enums and equatable arrays only.</summary>
/// <param name="TypeName">The endpoint class, <c>global::</c>-qualified.</param>
/// <param name="DisplayName">The class's full name without <c>global::</c>, e.g. <c>Chat.ChatEndpoint</c>.</param>
/// <param name="Identifier">A C# identifier unique to the class, e.g. <c>Chat_ChatEndpoint</c>.</param>
/// <param name="Pattern">The route pattern.</param>
/// <param name="MaxMessageSize">The attribute's maximum message size; 0 when not set.</param>
/// <param name="MaxStreamedMessageSize">The attribute's maximum streamed message size; 0 when not set.</param>
/// <param name="ConstructorServices">The services the chosen constructor takes, in order.</param>
/// <param name="RequiredMembers">The class's <c>required</c> members, set from services when the instance is created.</param>
/// <param name="RequiredServices">Every service the endpoint cannot do without, checked when it is mapped (fail fast at startup).</param>
/// <param name="RequestValues">The route, query and header values any callback takes, parsed before the upgrade.</param>
/// <param name="SubProtocols">The subprotocols the endpoint speaks, in order.</param>
/// <param name="AllowedOrigins">The endpoint's own allowed origins; empty uses the options.</param>
/// <param name="EnableCompression">Whether to negotiate permessage-deflate.</param>
/// <param name="Metadata">C# expressions constructing the class's attributes, handed to routing as endpoint metadata.</param>
/// <param name="Resumable">Whether the endpoint's messages are numbered, kept and replayed (Delivery = Resumable).</param>
/// <param name="StateType">What OnOpen returns (<c>global::</c>-qualified, nullable annotation kept), or null when it returns no state.</param>
internal sealed record EndpointSpec(
    string TypeName,
    string DisplayName,
    string Identifier,
    string Pattern,
    int MaxMessageSize,
    long MaxStreamedMessageSize,
    EquatableArray<string> SubProtocols,
    EquatableArray<string> AllowedOrigins,
    bool EnableCompression,
    EquatableArray<string> Metadata,
    EquatableArray<ServiceSpec> ConstructorServices,
    EquatableArray<MemberServiceSpec> RequiredMembers,
    EquatableArray<RequiredServiceSpec> RequiredServices,
    EquatableArray<RequestValueSpec> RequestValues,
    string? StateType,
    CallbackSpec? OnOpen,
    CallbackSpec? OnText,
    CallbackSpec? OnBinary,
    CallbackSpec? OnClose,
    CallbackSpec? OnError,
    TypedMessagesSpec? Typed = null,
    bool Resumable = false)
{
    public string HintName => DisplayName + ".WebSocketEndpoint.g.cs";
}

/// <summary>An endpoint's typed messages: what it receives (one OnMessage per type) and sends, and the JSON context for both.</summary>
/// <param name="Context">The JsonSerializerContext, <c>global::</c>-qualified: named on the attribute, or (after <see cref="Parsing.JsonCoverage"/>) the one found.</param>
/// <param name="ContextNamed">True when the attribute names the context.</param>
/// <param name="TypeProperty">The JSON property that names the type.</param>
/// <param name="Received">One per OnMessage, in declaration order.</param>
/// <param name="Sent">The Sends types.</param>
/// <param name="OnInvalidMessage">The OnInvalidMessage callback, if any.</param>
/// <remarks>Where each type is named (for WS0050) is not here: it is kept beside the spec, in <see cref="EndpointParseResult.MessageTypeUses"/>.</remarks>
internal sealed record TypedMessagesSpec(
    string? Context,
    bool ContextNamed,
    string TypeProperty,
    EquatableArray<ReceivedMessageSpec> Received,
    EquatableArray<MessageTypeSpec> Sent,
    CallbackSpec? OnInvalidMessage)
{
    /// <summary>Every type the endpoint receives or sends, <c>global::</c>-qualified, each once.</summary>
    public IEnumerable<string> TypeNames => Received.Select(static r => r.Type.TypeName)
        .Concat(Received.Where(static r => r.Reply is not null).Select(static r => r.Reply!.TypeName))
        .Concat(Sent.Select(static s => s.TypeName)).Distinct();
}

/// <summary>A message type and its name on the wire.</summary>
internal sealed record MessageTypeSpec(string TypeName, string Identifier, string WireName);

/// <summary>One OnMessage: its type and how to call it.</summary>
internal sealed record ReceivedMessageSpec(MessageTypeSpec Type, CallbackSpec Callback, MessageTypeSpec? Reply = null);

/// <summary>A JsonSerializerContext of the project and the types it covers (<c>global::</c>-qualified).</summary>
/// <param name="NamingPolicy">Its PropertyNamingPolicy ("" for none, else a JsonKnownNamingPolicy name), for WS0077.</param>
/// <param name="CaseInsensitive">Whether it reads property names case-insensitively.</param>
/// <param name="StringEnums">The enums it writes as names (UseStringEnumConverter or a JsonStringEnumConverter in Converters): "*" for all, else
/// the enums' full names without <c>global::</c>; for the AsyncAPI document.</param>
/// <param name="RequiredConstructorParameters">RespectRequiredConstructorParameters: reading fails without a constructor parameter's value.</param>
internal sealed record JsonContextSpec(string TypeName, string MetadataName, string Display, EquatableArray<string> Covered, string NamingPolicy = "",
    bool CaseInsensitive = false, EquatableArray<string> StringEnums = default, bool RequiredConstructorParameters = false);

/// <summary>A service resolved from the connection's scope.</summary>
/// <param name="TypeName">The service type, <c>global::</c>-qualified.</param>
/// <param name="Required">False when the parameter is nullable or optional: a missing service is null then.</param>
internal sealed record ServiceSpec(string TypeName, bool Required);

/// <summary>A <c>required</c> member of the endpoint class, set from the connection's scope in the object initializer.</summary>
/// <param name="MemberName">The property or field, as C# writes it (keywords escaped).</param>
internal sealed record MemberServiceSpec(string MemberName, string TypeName, bool Required);

/// <summary>A service the endpoint needs, and what needs it (for the startup check's message).</summary>
/// <param name="UsedBy">E.g. <c>constructor parameter 'rooms'</c>.</param>
internal sealed record RequiredServiceSpec(string TypeName, string UsedBy);

/// <summary>A value of the upgrade request (route, query string or header) bound to a parameter.</summary>
/// <param name="Source">Where the value comes from.</param>
/// <param name="Key">The route parameter, query key or header name.</param>
/// <param name="VariableName">The C# name the generated code gives the parsed value.</param>
/// <param name="TypeName">The parameter's type, <c>global::</c>-qualified, nullable annotation included.</param>
/// <param name="ParsedTypeName">The type that is parsed (the underlying type of a nullable value type).</param>
/// <param name="Parse">How the raw string becomes the value.</param>
/// <param name="Optional">True when a missing value binds as null instead of a 400.</param>
internal sealed record RequestValueSpec(RequestValueSource Source, string Key, string VariableName, string TypeName, string ParsedTypeName, ValueParse Parse, bool Optional);

internal enum RequestValueSource
{
    Route,
    Query,
    Header,
}

internal enum ValueParse
{
    None,
    TryParseWithFormatProvider,
    TryParse,
    Enum,
}

/// <summary>One callback method and how to call it.</summary>
internal sealed record CallbackSpec(string MethodName, bool IsStatic, CallbackReturn Return, EquatableArray<ArgumentSpec> Arguments);

internal enum CallbackReturn
{
    Void,
    Task,
    ValueTask,
    /// <summary>OnOpen only: returns the state directly.</summary>
    State,
    /// <summary>OnOpen only: returns <c>Task&lt;T&gt;</c>.</summary>
    TaskOfState,
    /// <summary>OnOpen only: returns <c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfState,
    /// <summary>OnMessage only: returns the reply to the client's request directly.</summary>
    Reply,
    /// <summary>OnMessage only: returns the reply through <c>Task&lt;T&gt;</c>.</summary>
    TaskOfReply,
    /// <summary>OnMessage only: returns the reply through <c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfReply,
}

/// <summary>One argument of a callback: where its value comes from.</summary>
/// <param name="Source">What is bound.</param>
/// <param name="Detail">The service type for a service, the variable name for a request value, "!" for state that may be null
/// handed to a parameter that is not nullable (after a WS0036 warning); empty otherwise.</param>
internal sealed record ArgumentSpec(ArgumentSource Source, string Detail);

internal enum ArgumentSource
{
    Connection,
    HttpContext,
    CancellationToken,
    User,
    RequestValue,
    Service,
    OptionalService,
    State,
    TextMessage,
    /// <summary>The text message as its UTF-8 bytes (valid during the call), not decoded.</summary>
    TextUtf8,
    BinaryMessage,
    /// <summary>The text message as a <c>TextReader</c>, read while it arrives.</summary>
    TextStream,
    /// <summary>The binary message as a <c>Stream</c>, read while it arrives.</summary>
    BinaryStream,
    CloseInfo,
    Exception,
    /// <summary>The deserialized typed message.</summary>
    TypedMessage,
    /// <summary>The <c>WebSocketInvalidMessage</c> of OnInvalidMessage.</summary>
    InvalidMessage,
}

/// <summary>What the module file needs: this assembly's name as an identifier and the modules of referenced projects.</summary>
internal sealed record ModuleSpec(string AssemblyIdentifier, EquatableArray<string> ReferencedModules)
{
    public string ModuleClassName => "WebSocketEndpoints_" + AssemblyIdentifier;
}
