using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>Finds endpoints whose patterns match the same requests, and reports each of them.</summary>
internal static class DuplicateRoutes
{
    public static IEnumerable<Diagnostic> Find(ImmutableArray<RouteInfo> routes)
    {
        foreach (var group in routes.GroupBy(static route => route.MatchKey, StringComparer.Ordinal))
        {
            var members = group.OrderBy(static route => route.EndpointName, StringComparer.Ordinal).ToList();
            if (members.Count < 2) continue;
            foreach (var route in members)
            {
                var other = members.First(candidate => !ReferenceEquals(candidate, route));
                yield return Diagnostic.Create(DiagnosticDescriptors.DuplicatePattern, route.Location, ShortName(route), ShortName(other), route.Pattern);
            }
        }
    }

    private static string ShortName(RouteInfo route)
    {
        var dot = route.EndpointName.LastIndexOf('.');
        return dot < 0 ? route.EndpointName : route.EndpointName.Substring(dot + 1);
    }
}
