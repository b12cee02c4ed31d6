using System;
using System.Collections.Immutable;
using System.Linq;
using Endpoints.Generator.Common;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Model;

/// <summary>
/// What parsing one endpoint class gives: a spec when it has no errors, its diagnostics (real <see cref="Diagnostic"/>s
/// with their source locations, so <c>#pragma</c> and <c>.editorconfig</c> reach them), and its route (kept apart
/// from the spec so that the cross-endpoint duplicate check does not touch the spec's caching). Only the spec
/// reaches the emitter; the diagnostics go to an output of their own. Where the typed messages' types are named is
/// kept here too (for WS0050, which needs the project's JSON contexts), so that the spec holds no location.
/// </summary>
internal sealed class EndpointParseResult(EndpointSpec? spec, ImmutableArray<Diagnostic> diagnostics, RouteInfo? route,
    ImmutableArray<MessageTypeUse> messageTypeUses = default, EndpointContract? contract = null) : IEquatable<EndpointParseResult>
{
    public static readonly EndpointParseResult Nothing = new(null, ImmutableArray<Diagnostic>.Empty, null);

    public EndpointSpec? Spec { get; } = spec;

    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics;

    public RouteInfo? Route { get; } = route;

    /// <summary>Where each typed message type is named, in the spec's order; empty without typed messages.</summary>
    public ImmutableArray<MessageTypeUse> MessageTypeUses { get; } = messageTypeUses.IsDefault ? ImmutableArray<MessageTypeUse>.Empty : messageTypeUses;

    /// <summary>What the AsyncAPI document says of the endpoint, beside the spec so that the endpoint's code does not depend on it; null without a spec.</summary>
    public EndpointContract? Contract { get; } = contract;

    public bool Equals(EndpointParseResult? other)
        => other is not null && Equals(Spec, other.Spec) && Equals(Route, other.Route) && Diagnostics.SequenceEqual(other.Diagnostics)
           && MessageTypeUses.SequenceEqual(other.MessageTypeUses) && Equals(Contract, other.Contract);

    public override bool Equals(object? obj) => Equals(obj as EndpointParseResult);

    public override int GetHashCode() => (Spec?.GetHashCode() ?? 0) ^ Diagnostics.Length;
}

/// <summary>An endpoint's route for the duplicate check: the pattern as matched, and where it is written.</summary>
/// <param name="MatchKey">The pattern with case and parameter names removed: two endpoints with one key collide.</param>
internal sealed record RouteInfo(string EndpointName, string Pattern, string MatchKey, Location? Location);

/// <summary>A place that names a message type (an OnMessage parameter or a typeof in Sends), where WS0050 is reported.</summary>
/// <param name="Discriminated">Whether the type property is read from it (several types received) or written into it (several sent).</param>
/// <param name="Properties">Its properties whose JSON name may be the type property's, for WS0077 (which needs the context's naming policy).</param>
internal sealed record MessageTypeUse(string TypeName, string Display, Location? Location, MessageRoles Discriminated = MessageRoles.None,
    EquatableArray<MessagePropertyUse> Properties = default);

/// <summary>How a message type meets the type property.</summary>
[Flags]
internal enum MessageRoles
{
    None = 0,
    Received = 1,
    Sent = 2,
}

/// <summary>A property of a message type: its C# name, its [JsonPropertyName] if any, and where it is declared (null in metadata).</summary>
/// <param name="Readable">Whether System.Text.Json reads into it (a setter or init, a constructor parameter, or [JsonInclude]).</param>
internal sealed record MessagePropertyUse(string Name, string? JsonName, Location? Location, bool Readable);
