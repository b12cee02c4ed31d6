using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Decides how generated code creates the endpoint: which constructor it calls and which services fill its
/// parameters and the class's <c>required</c> members. Values of one connection (the connection, the user, a route
/// value) are not services; they belong in OnOpen.
/// </summary>
internal sealed class ConstructorParser(INamedTypeSymbol type, IReadOnlyList<RouteParameter> routeParameters, KnownTypeSymbols known,
    DiagnosticList diagnostics, CancellationToken cancellationToken)
{
    public bool HasUnresolvedTypes { get; private set; }

    /// <summary>Route values the constructor tried to take (reported there, so not also reported as unused).</summary>
    public HashSet<string> RouteValuesReported { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The services creating the endpoint cannot do without, with what needs each.</summary>
    public List<RequiredServiceSpec> RequiredServices { get; } = new();

    /// <summary>The constructor's services, or null when no single constructor can be called (reported).</summary>
    public List<ServiceSpec>? ParseConstructor(out IMethodSymbol? chosen)
    {
        chosen = Choose();
        if (chosen is null) return null;
        var services = new List<ServiceSpec>();
        foreach (var parameter in chosen.Parameters)
        {
            if (parameter.Type.TypeKind == TypeKind.Error)
            {
                HasUnresolvedTypes = true;
                continue;
            }
            if (parameter.RefKind != RefKind.None)
            {
                var modifier = parameter.RefKind switch { RefKind.Ref => "ref", RefKind.Out => "out", _ => "in" };
                diagnostics.Report(DiagnosticDescriptors.ConstructorParameterByRef, SyntaxLocations.Modifier(parameter, ModifierKind(parameter.RefKind), cancellationToken),
                    parameter.Name, type.Name, modifier);
                continue;
            }
            if (!CheckService("Constructor parameter", parameter.Name, parameter.Type, SyntaxLocations.Parameter(parameter, cancellationToken),
                    SyntaxLocations.ParameterType(parameter, cancellationToken))) continue;
            var service = new ServiceSpec(CallbackBinder.ServiceTypeName(parameter.Type), Required: !Symbols.IsOptional(parameter));
            services.Add(service);
            if (service.Required) RequiredServices.Add(new RequiredServiceSpec(service.TypeName, $"constructor parameter '{parameter.Name}'"));
        }
        return services;
    }

    /// <summary>The class's <c>required</c> members, which generated code sets from services (unless the constructor sets them).</summary>
    public List<MemberServiceSpec> ParseRequiredMembers(IMethodSymbol? constructor)
    {
        var members = new List<MemberServiceSpec>();
        if (constructor is not null && constructor.GetAttributes().Any(static a => a.AttributeClass?.Name == "SetsRequiredMembersAttribute")) return members;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                var (isRequired, memberType) = member switch
                {
                    IPropertySymbol property => (property.IsRequired, property.Type),
                    IFieldSymbol field => (field.IsRequired, field.Type),
                    _ => (false, null!),
                };
                if (!isRequired || !seen.Add(member.Name)) continue;
                if (memberType.TypeKind == TypeKind.Error)
                {
                    HasUnresolvedTypes = true;
                    continue;
                }
                if (!CheckService("Required member", member.Name, memberType, SyntaxLocations.Name(member), TypeLocation(member))) continue;
                var optional = memberType.NullableAnnotation == NullableAnnotation.Annotated || Symbols.IsNullableValueType(memberType, out _);
                members.Add(new MemberServiceSpec(EscapedName(member.Name), CallbackBinder.ServiceTypeName(memberType), Required: !optional));
                if (!optional) RequiredServices.Add(new RequiredServiceSpec(CallbackBinder.ServiceTypeName(memberType), $"required member '{member.Name}'"));
            }
        }
        return members;
    }

    private IMethodSymbol? Choose()
    {
        var candidates = type.InstanceConstructors.Where(c => Symbols.IsAccessible(c) && !IsCopyConstructor(c)).ToList();
        var marked = candidates.Where(static c => c.GetAttributes().Any(static a => a.AttributeClass?.Name == "ActivatorUtilitiesConstructorAttribute")).ToList();
        if (marked.Count == 1) return marked[0];
        if (marked.Count > 1) candidates = marked;
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count == 0)
        {
            var hidden = type.InstanceConstructors.Where(c => !IsCopyConstructor(c)).OrderBy(SourceOrder).FirstOrDefault();
            var location = hidden is null ? SyntaxLocations.Name(type) : SyntaxLocations.Accessibility(hidden, cancellationToken);
            diagnostics.Report(DiagnosticDescriptors.NoUsableConstructor, location, type.Name);
            return null;
        }
        var ordered = candidates.OrderBy(SourceOrder).ToList();
        diagnostics.ReportRelated(DiagnosticDescriptors.SeveralConstructors, SyntaxLocations.Constructor(ordered[1], cancellationToken),
            ordered.Where((_, i) => i != 1).Select(c => SyntaxLocations.Constructor(c, cancellationToken)), null,
            type.Name, ordered.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return null;
    }

    /// <summary>
    /// Reports a constructor parameter or required member that is not a service: a value of one connection (an error)
    /// or a type rarely registered (a warning). False when nothing should be resolved for it.
    /// </summary>
    private bool CheckService(string what, string name, ITypeSymbol memberType, Location? location, Location? typeLocation)
    {
        var connectionValue = ConnectionValue(memberType);
        var route = routeParameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (connectionValue is null && route is not null && IsValueType(memberType))
        {
            connectionValue = DiagnosticDescriptors.Advice.TheRouteValue(route.Name);
            RouteValuesReported.Add(route.Name);
        }
        if (connectionValue is not null)
        {
            var parameterName = route?.Name ?? char.ToLowerInvariant(name[0]) + name.Substring(1);
            diagnostics.Report(DiagnosticDescriptors.ConstructorTakesConnectionValue, location, what, name, type.Name, connectionValue, Symbols.Display(memberType) + " " + parameterName);
            return false;
        }
        if (IsValueType(memberType))
        {
            diagnostics.Report(DiagnosticDescriptors.ConstructorParameterNotAService, typeLocation, what, name, type.Name, Symbols.Display(memberType));
        }
        return true;
    }

    /// <summary>What a per-connection type is, in words; null for anything else.</summary>
    private string? ConnectionValue(ITypeSymbol memberType)
    {
        if (KnownTypeSymbols.Is(memberType, known.Connection)) return DiagnosticDescriptors.Advice.TheConnection;
        if (KnownTypeSymbols.Is(memberType, known.HttpContext)) return DiagnosticDescriptors.Advice.TheHttpContext;
        if (KnownTypeSymbols.Is(memberType, known.ClaimsPrincipal)) return DiagnosticDescriptors.Advice.TheUser;
        if (KnownTypeSymbols.Is(memberType, known.CancellationToken)) return DiagnosticDescriptors.Advice.TheLifetimeToken;
        if (KnownTypeSymbols.Is(memberType, known.CloseInfo)) return DiagnosticDescriptors.Advice.HowItClosed;
        if (KnownTypeSymbols.Is(memberType, known.WebSocket)) return DiagnosticDescriptors.Advice.TheSocket;
        return null;
    }

    // Strings, numbers and enums are values, not services: a container rarely has one registered.
    private static bool IsValueType(ITypeSymbol memberType)
    {
        var underlying = Symbols.IsNullableValueType(memberType, out var inner) ? inner! : memberType;
        return underlying.SpecialType != SpecialType.None || underlying.TypeKind == TypeKind.Enum;
    }

    private static bool IsCopyConstructor(IMethodSymbol constructor)
        => constructor.ContainingType.IsRecord && constructor.Parameters.Length == 1
           && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, constructor.ContainingType);

    private static int SourceOrder(IMethodSymbol constructor)
        => constructor.DeclaringSyntaxReferences.FirstOrDefault()?.Span.Start ?? int.MaxValue;

    private Location? TypeLocation(ISymbol member)
    {
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax property:
                    return property.Type.GetLocation();
                case Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclarationSyntax declaration }:
                    return declaration.Type.GetLocation();
            }
        }
        return SyntaxLocations.Name(member);
    }

    private static SyntaxKind ModifierKind(RefKind kind) => kind switch
    {
        RefKind.Ref => SyntaxKind.RefKeyword,
        RefKind.Out => SyntaxKind.OutKeyword,
        _ => SyntaxKind.InKeyword,
    };

    private static string EscapedName(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
