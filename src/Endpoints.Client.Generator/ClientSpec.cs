using System;
using System.Collections.Immutable;
using System.Linq;
using Endpoints.Generator.Common;
using Microsoft.CodeAnalysis;

namespace Endpoints.Client.Generator;

/// <summary>
/// One typed client class and the endpoint contract it follows, as plain data: names are <c>global::</c>-qualified,
/// so that a client's source is written again only when the class or the contract changes.
/// </summary>
/// <param name="HintName">The generated file's name, from the client's full name.</param>
/// <param name="Namespace">The client's namespace, or null for the global one.</param>
/// <param name="Containers">The types the client is nested in, outermost first, as their declarations start (<c>partial class Outer</c>).</param>
/// <param name="ClassName">The client's name as declared (<c>ChatClient</c>).</param>
/// <param name="EndpointTypeName">The endpoint class, <c>global::</c>-qualified.</param>
/// <param name="Pattern">The endpoint's route pattern as written.</param>
/// <param name="Address">The pattern with each parameter written <c>{name}</c>.</param>
/// <param name="Parameters">The route and query values, in the order the methods take them.</param>
/// <param name="Context">The JsonSerializerContext the messages go through, or null without typed messages.</param>
/// <param name="Sends">The types the client sends (the endpoint's OnMessage types), with their replies.</param>
/// <param name="Receives">The types the client receives (the endpoint's Sends).</param>
internal sealed record ClientSpec(
    string HintName,
    string? Namespace,
    EquatableArray<string> Containers,
    string ClassName,
    string EndpointTypeName,
    string Pattern,
    string Address,
    EquatableArray<AddressValueSpec> Parameters,
    EquatableArray<string> SubProtocols,
    bool SendsText,
    bool SendsBinary,
    string TypeProperty,
    string? Context,
    EquatableArray<ClientMessageSpec> Sends,
    EquatableArray<ClientMessageSpec> Receives);

/// <summary>A value of the endpoint's address: a route value or a query value.</summary>
/// <param name="Key">Its name in the route or the query.</param>
/// <param name="ParameterName">The C# parameter that takes it.</param>
/// <param name="TypeName">The parameter's type without '?' (<c>string</c>, <c>int</c>, <c>global::System.Guid</c>).</param>
/// <param name="Optional">It may be left out: the parameter is nullable and defaults to null.</param>
/// <param name="CatchAll">A catch-all route value: its '/' stay.</param>
internal sealed record AddressValueSpec(string Key, string ParameterName, string TypeName, bool Query, bool Optional, bool CatchAll)
{
    public bool IsString => TypeName == "string";
}

/// <summary>A message type: its name in C#, its field's name, its name on the wire (null when it goes without a type property), and the reply its request gets.</summary>
/// <param name="MemberName">The type's name as a member name (<c>SymbolList</c>), unique in the client: <c>On{MemberName}Request</c>.</param>
internal sealed record ClientMessageSpec(string TypeName, string FieldName, string MemberName, string? WireName, string? ReplyTypeName = null, string? ReplyFieldName = null);

/// <summary>What reading one client class gives: its spec (null with an error) and its diagnostics, compared by value.</summary>
internal sealed class ClientParseResult(ClientSpec? spec, ImmutableArray<Diagnostic> diagnostics) : IEquatable<ClientParseResult>
{
    public ClientSpec? Spec { get; } = spec;

    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics;

    public bool Equals(ClientParseResult? other) => other is not null && Equals(Spec, other.Spec) && Diagnostics.SequenceEqual(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as ClientParseResult);

    public override int GetHashCode() => (Spec?.GetHashCode() ?? 0) ^ Diagnostics.Length;
}
