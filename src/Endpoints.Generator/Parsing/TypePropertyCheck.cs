using System;
using System.Collections.Immutable;
using System.Linq;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// WS0077: a message type's own property that JSON writes under the type property's name. Sent, the message would
/// carry that name twice (<c>{"type":"moved","type":…}</c>, see <c>WebSocketJson.Serialize</c>); received, the type
/// name would be read into the property. Only where the type property is used: several types received, or several
/// sent. Runs beside the JSON check, because the JSON name depends on the chosen context's naming policy.
/// </summary>
internal static class TypePropertyCheck
{
    public static ImmutableArray<Diagnostic> Diagnose(EndpointParseResult parsed, EquatableArray<JsonContextSpec> contexts)
    {
        if (parsed.Spec is not { Typed: { } typed } spec) return ImmutableArray<Diagnostic>.Empty;
        var policy = "";
        var insensitive = false;
        // A context of another assembly cannot be read: its names are taken as they are written.
        if (JsonCoverage.Choose(typed, typed.TypeNames.ToList(), contexts, out var chosen) && chosen is not null)
        {
            policy = chosen.NamingPolicy;
            insensitive = chosen.CaseInsensitive;
        }
        var endpoint = spec.DisplayName.Substring(spec.DisplayName.LastIndexOf('.') + 1);
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var use in parsed.MessageTypeUses)
        {
            foreach (var property in use.Properties)
            {
                var json = property.JsonName ?? JsonNames.Convert(policy, property.Name);
                var sent = (use.Discriminated & MessageRoles.Sent) != 0 && string.Equals(json, typed.TypeProperty, StringComparison.Ordinal);
                var received = (use.Discriminated & MessageRoles.Received) != 0 && property.Readable
                               && string.Equals(json, typed.TypeProperty, insensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                if (!sent && !received) continue;
                var typeName = use.Display.Substring(use.Display.LastIndexOf('.') + 1);
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.TypePropertyCollision, property.Location ?? use.Location,
                    property.Name, use.Display, json, endpoint, DiagnosticDescriptors.Advice.Collides(received, sent, typed.TypeProperty),
                    DiagnosticDescriptors.Advice.RenamedProperty(typeName, property.Name), DiagnosticDescriptors.Advice.OtherTypeProperty(typed.TypeProperty)));
            }
        }
        return diagnostics.ToImmutable();
    }
}
