using System.Collections.Generic;
using System.Linq;
using Endpoints.Generator.Common;

namespace Endpoints.Generator.Model;

/// <summary>
/// What the AsyncAPI document says of one endpoint: its address, the values its upgrade request carries, what it
/// receives and sends, who may connect, and the shapes of its message types. Kept beside the spec (not in it), so that
/// a change that is not part of the contract (a service, a callback's body or parameters) leaves the document cached.
/// </summary>
/// <param name="DisplayName">The class's full name, e.g. <c>Chat.ChatEndpoint</c>.</param>
/// <param name="Name">The class's own name, e.g. <c>ChatEndpoint</c>.</param>
/// <param name="Pattern">The route pattern as written.</param>
/// <param name="Address">The pattern with each parameter written <c>{name}</c> (constraints, defaults, '?' and '*' removed).</param>
/// <param name="RouteParameters">The pattern's parameters, in order.</param>
/// <param name="RequestValues">The query and header values the callbacks take (route values are in <paramref name="RouteParameters"/>).</param>
/// <param name="ReceivesText">OnText: any text message.</param>
/// <param name="ReceivesBinary">OnBinary: any binary message.</param>
/// <param name="Messages">The typed messages, or null without any.</param>
/// <param name="Authorization">The class's [Authorize] data, or null when it has none (or has [AllowAnonymous]).</param>
/// <param name="Types">Every type the typed messages and their replies reach (themselves, their properties' types, …), each once.</param>
internal sealed record EndpointContract(
    string DisplayName,
    string Name,
    string Pattern,
    string Address,
    EquatableArray<RouteParameterContract> RouteParameters,
    EquatableArray<RequestValueContract> RequestValues,
    EquatableArray<string> SubProtocols,
    bool ReceivesText,
    bool ReceivesBinary,
    MessagesContract? Messages,
    AuthorizationContract? Authorization,
    EquatableArray<SchemaTypeSpec> Types);

/// <summary>A route parameter: its name, whether it may be missing or hold '/', its constraints, and the type a callback binds it to.</summary>
/// <param name="TypeName">The bound parameter's parsed type as generated code writes it (<c>int</c>, <c>global::System.Guid</c>), or null when unbound.</param>
internal sealed record RouteParameterContract(string Name, bool Optional, bool CatchAll, EquatableArray<string> Constraints, string? TypeName, bool IsEnum);

/// <summary>A query or header value a callback takes.</summary>
internal sealed record RequestValueContract(RequestValueSource Source, string Key, string TypeName, bool IsEnum, bool Optional);

/// <summary>An endpoint's typed messages as the wire sees them.</summary>
/// <param name="Context">The JsonSerializerContext the attribute names (<c>global::</c>-qualified), or null when it is found in the project.</param>
/// <param name="TypeProperty">The JSON property naming the type: read when several types are received, written when several are sent.</param>
/// <param name="Received">One per OnMessage, in declaration order, with what it answers a request with.</param>
internal sealed record MessagesContract(string? Context, bool ContextNamed, string TypeProperty, EquatableArray<ReceivedMessageContract> Received,
    EquatableArray<MessageTypeSpec> Sent)
{
    /// <summary>Every type received, returned or sent, <c>global::</c>-qualified, each once (as <see cref="TypedMessagesSpec.TypeNames"/>).</summary>
    public IEnumerable<string> TypeNames => Received.Select(static r => r.Type.TypeName)
        .Concat(Received.Where(static r => r.Reply is not null).Select(static r => r.Reply!.TypeName))
        .Concat(Sent.Select(static s => s.TypeName)).Distinct();
}

/// <summary>A type the endpoint receives, and the type its OnMessage returns (the reply to a client's request), or null when it returns none.</summary>
internal sealed record ReceivedMessageContract(MessageTypeSpec Type, MessageTypeSpec? Reply);

/// <summary>The [Authorize] attributes of an endpoint class: their policies, roles and authentication schemes (each may be empty).</summary>
internal sealed record AuthorizationContract(EquatableArray<string> Policies, EquatableArray<string> Roles, EquatableArray<string> Schemes);

internal enum SchemaTypeKind
{
    /// <summary>A class or struct written as a JSON object, property by property.</summary>
    Object,
    Enum,
    /// <summary>Written by a [JsonConverter] the generator cannot read: any JSON.</summary>
    Custom,
}

/// <summary>A type that is written as a JSON object or an enum: one entry of <c>components/schemas</c>.</summary>
/// <param name="Id">The type's full name without <c>global::</c>, e.g. <c>Dashboard.Price</c>.</param>
/// <param name="Name">The type as the user writes it, e.g. <c>Price</c> or <c>Page&lt;Item&gt;</c>.</param>
/// <param name="StringEnum">An enum with [JsonConverter(typeof(JsonStringEnumConverter))] (or its generic form): written as its names.</param>
/// <param name="Flags">A [Flags] enum: values combine.</param>
/// <param name="SetsRequiredMembers">The constructor System.Text.Json uses has [SetsRequiredMembers]: <c>required</c> is not enforced.</param>
internal sealed record SchemaTypeSpec(string Id, string Name, SchemaTypeKind Kind, EquatableArray<SchemaPropertySpec> Properties,
    EquatableArray<EnumMemberSpec> Members, bool StringEnum = false, bool Flags = false, bool SetsRequiredMembers = false);

/// <summary>A property System.Text.Json writes.</summary>
/// <param name="Name">The C# name (the naming policy applies to it).</param>
/// <param name="JsonName">[JsonPropertyName], which no policy changes.</param>
/// <param name="Required">C# <c>required</c> or [JsonRequired]: reading a message without it fails.</param>
/// <param name="ConstructorParameter">Bound from a constructor parameter without a default value: required when the context sets RespectRequiredConstructorParameters.</param>
/// <param name="Order">[JsonPropertyOrder], 0 without it.</param>
internal sealed record SchemaPropertySpec(string Name, string? JsonName, TypeUse Type, bool Required, bool ConstructorParameter, int Order);

/// <summary>An enum member: its C# name, its [JsonStringEnumMemberName] if any, and its value as JSON writes the number.</summary>
internal sealed record EnumMemberSpec(string Name, string? JsonName, string Value);

internal enum TypeUseKind
{
    /// <summary>Any JSON value (object, JsonElement, JsonNode, a custom converter).</summary>
    Any,
    String,
    Integer,
    Number,
    Boolean,
    /// <summary>A JSON array of <see cref="TypeUse.Item"/>.</summary>
    Array,
    /// <summary>A JSON object whose values are <see cref="TypeUse.Item"/> (a dictionary).</summary>
    Map,
    /// <summary>A type of <c>components/schemas</c>, by <see cref="TypeUse.Ref"/>.</summary>
    Ref,
}

/// <summary>How a property (or an item, or a dictionary's value) is written.</summary>
/// <param name="Format">The JSON Schema format (<c>date-time</c>, <c>uuid</c>, <c>int32</c>, …), or null.</param>
/// <param name="Ref">For <see cref="TypeUseKind.Ref"/>: the <see cref="SchemaTypeSpec.Id"/>.</param>
/// <param name="Item">For arrays and maps: what they hold.</param>
/// <param name="Nullable">Null may be written: a nullable annotation, <c>Nullable&lt;T&gt;</c>, or a reference type without annotations.</param>
/// <param name="StringEnum">An enum the property's own [JsonConverter(typeof(JsonStringEnumConverter))] writes as names.</param>
/// <param name="Minimum">The smallest value of a small integer type, or null.</param>
/// <param name="Maximum">The largest value of a small integer type, or null.</param>
/// <param name="Encoding">For strings: <c>base64</c> for bytes, or null.</param>
/// <param name="Length">For strings: 1 for a char, else 0.</param>
internal sealed record TypeUse(TypeUseKind Kind, string? Format = null, string? Ref = null, TypeUse? Item = null, bool Nullable = false,
    bool StringEnum = false, string? Minimum = null, string? Maximum = null, string? Encoding = null, int Length = 0);

/// <summary>The application the AsyncAPI document describes: the assembly's name (its title), that name as an identifier, and its version.</summary>
internal sealed record AsyncApiApp(string AssemblyName, string AssemblyIdentifier, string Version);

/// <summary>An endpoint's contract with the JSON context its typed messages go through (null when there is none, or it is another assembly's).</summary>
internal sealed record ContractWithContext(EndpointContract Contract, JsonContextSpec? Context);
