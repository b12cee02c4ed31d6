using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Turns one <c>[WebSocketEndpoint]</c> class into an <see cref="EndpointSpec"/>, or into diagnostics that say what
/// to change. All validation happens here (callbacks through <see cref="CallbackBinder"/>); the emitter trusts the spec.
/// </summary>
internal sealed class EndpointParser
{
    private readonly GeneratorAttributeSyntaxContext _context;
    private readonly INamedTypeSymbol _type;
    private readonly CancellationToken _cancellationToken;
    private readonly DiagnosticList _diagnostics = new();

    private EndpointParser(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        _context = context;
        _type = type;
        _cancellationToken = cancellationToken;
    }

    public static EndpointParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return EndpointParseResult.Nothing;
        return new EndpointParser(context, type, cancellationToken).Parse(context.Attributes[0]);
    }

    private EndpointParseResult Parse(AttributeData attribute)
    {
        // A half-typed attribute has no pattern yet: the compiler reports that, and nothing is generated.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string pattern) return EndpointParseResult.Nothing;

        var patternLocation = PatternLocation(attribute);
        var displayName = Symbols.FullName(_type).Substring("global::".Length);
        var routeNames = ParsePattern(pattern, patternLocation, displayName, out var route);
        var settings = ReadSettings(attribute);

        if (!CheckClass()) return Result(null, route);
        var constructorServices = ParseConstructor(out var constructorUnresolved);
        var methods = FindCallbacks();
        ReportTypos(methods);
        _cancellationToken.ThrowIfCancellationRequested();
        if (methods.Count == 0) _diagnostics.Report(DiagnosticDescriptors.NoCallbacks, _type.Locations.FirstOrDefault(), _type.Name);

        var binder = new CallbackBinder(pattern, routeNames, methods.ContainsKey(CallbackKind.Open), _diagnostics, _cancellationToken);
        ITypeSymbol? stateType = null;
        var callbacks = new Dictionary<CallbackKind, CallbackSpec?>();
        if (methods.TryGetValue(CallbackKind.Open, out var open)) callbacks[CallbackKind.Open] = binder.BindOpen(open, out stateType);
        foreach (var kind in new[] { CallbackKind.Text, CallbackKind.Binary, CallbackKind.Close, CallbackKind.Error })
        {
            if (methods.TryGetValue(kind, out var method)) callbacks[kind] = binder.Bind(method, kind, stateType);
        }
        if (methods.TryGetValue(CallbackKind.Binary, out var onBinary)) BufferEscapeCheck.Run(onBinary, _context.SemanticModel, _diagnostics, _cancellationToken);

        if (route is not null)
        {
            foreach (var name in routeNames)
            {
                if (!binder.TakesRouteValue(name)) _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.UnusedRouteParameter, patternLocation, name, name, _type.Name);
            }
        }

        // An endpoint with errors emits no code: the diagnostics say what to fix.
        if (constructorServices is null || constructorUnresolved || binder.HasUnresolvedTypes || _diagnostics.HasErrors) return Result(null, route);

        var spec = new EndpointSpec(
            TypeName: Symbols.FullName(_type),
            DisplayName: displayName,
            Identifier: CSharpText.Identifier(displayName),
            Pattern: pattern,
            MaxMessageSize: settings.MaxMessageSize,
            SubProtocols: settings.SubProtocols,
            AllowedOrigins: settings.AllowedOrigins,
            EnableCompression: settings.EnableCompression,
            Metadata: AttributeRenderer.EndpointMetadata(_type).ToEquatableArray(),
            ConstructorServices: constructorServices.ToEquatableArray(),
            RequestValues: binder.RequestValues.ToEquatableArray(),
            StateType: stateType is null ? null : Symbols.FullName(stateType),
            OnOpen: Get(CallbackKind.Open),
            OnText: Get(CallbackKind.Text),
            OnBinary: Get(CallbackKind.Binary),
            OnClose: Get(CallbackKind.Close),
            OnError: Get(CallbackKind.Error));
        return Result(spec, route);

        CallbackSpec? Get(CallbackKind kind) => callbacks.TryGetValue(kind, out var callback) ? callback : null;
    }

    private EndpointParseResult Result(EndpointSpec? spec, RouteInfo? route) => new(spec, _diagnostics.ToImmutableArray(), route);

    /// <summary>The attribute's named properties, as the endpoint's own settings.</summary>
    private static (int MaxMessageSize, EquatableArray<string> SubProtocols, EquatableArray<string> AllowedOrigins, bool EnableCompression) ReadSettings(AttributeData attribute)
    {
        var maxMessageSize = 0;
        var subProtocols = EquatableArray<string>.Empty;
        var allowedOrigins = EquatableArray<string>.Empty;
        var enableCompression = false;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "MaxMessageSize" when named.Value.Value is int size:
                    maxMessageSize = size;
                    break;
                case "SubProtocols":
                    subProtocols = Strings(named.Value);
                    break;
                case "AllowedOrigins":
                    allowedOrigins = Strings(named.Value);
                    break;
                case "EnableCompression" when named.Value.Value is bool enabled:
                    enableCompression = enabled;
                    break;
            }
        }
        return (maxMessageSize, subProtocols, allowedOrigins, enableCompression);
    }

    private static EquatableArray<string> Strings(TypedConstant array)
        => array.Kind == TypedConstantKind.Array && !array.IsNull
            ? array.Values.Select(static value => value.Value as string).Where(static value => value is not null).Select(static value => value!).ToEquatableArray()
            : EquatableArray<string>.Empty;

    private List<string> ParsePattern(string pattern, Location? location, string displayName, out RouteInfo? route)
    {
        route = null;
        if (pattern.Trim().Length == 0)
        {
            _diagnostics.Report(DiagnosticDescriptors.EmptyPattern, location, _type.Name);
            return new List<string>();
        }
        if (!pattern.StartsWith("/", StringComparison.Ordinal))
        {
            _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.PatternWithoutLeadingSlash, location, "/" + pattern, pattern);
        }
        var names = RoutePattern.Parse(pattern, out var error, out var matchKey);
        if (error is not null)
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidPattern, location, pattern, error);
            return names;
        }
        route = new RouteInfo(displayName, pattern, matchKey, location);
        return names;
    }

    private Location? PatternLocation(AttributeData attribute)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
        var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault();
        return argument?.GetLocation() ?? syntax?.GetLocation();
    }

    private bool CheckClass()
    {
        var location = _type.Locations.FirstOrDefault();
        var name = _type.Name;
        if (_type.IsStatic) _diagnostics.Report(DiagnosticDescriptors.ClassIsStatic, location, name);
        else if (_type.IsAbstract) _diagnostics.Report(DiagnosticDescriptors.ClassIsAbstract, location, name);
        else if (Symbols.IsGeneric(_type)) _diagnostics.Report(DiagnosticDescriptors.ClassIsGeneric, location, name);
        else if (_type.IsFileLocal) _diagnostics.Report(DiagnosticDescriptors.ClassNotAccessible, location, name, "file-local");
        else if (Symbols.InaccessibleContainer(_type) is { } hidden)
        {
            var what = SymbolEqualityComparer.Default.Equals(hidden, _type) ? Symbols.AccessibilityText(hidden) : $"nested in {Symbols.AccessibilityText(hidden)} '{hidden.Name}'";
            _diagnostics.Report(DiagnosticDescriptors.ClassNotAccessible, location, name, what);
        }
        else return true;
        return false;
    }

    /// <summary>The services the constructor with the most parameters takes; null when there is no usable constructor.</summary>
    private List<ServiceSpec>? ParseConstructor(out bool unresolved)
    {
        unresolved = false;
        IMethodSymbol? chosen = null;
        foreach (var constructor in _type.InstanceConstructors)
        {
            if (!Symbols.IsAccessible(constructor)) continue;
            if (chosen is null || constructor.Parameters.Length > chosen.Parameters.Length) chosen = constructor;
        }
        if (chosen is null)
        {
            _diagnostics.Report(DiagnosticDescriptors.NoUsableConstructor, _type.Locations.FirstOrDefault(), _type.Name);
            return null;
        }

        var services = new List<ServiceSpec>();
        foreach (var parameter in chosen.Parameters)
        {
            var type = parameter.Type;
            if (type.TypeKind == TypeKind.Error)
            {
                unresolved = true;
                continue;
            }
            if (parameter.RefKind != RefKind.None)
            {
                _diagnostics.Report(DiagnosticDescriptors.ConstructorParameterByRef, parameter.Locations.FirstOrDefault(), parameter.Name, _type.Name);
                continue;
            }
            var serviceType = Symbols.IsNullableValueType(type, out var underlying) ? underlying! : type;
            if (serviceType.SpecialType != SpecialType.None || serviceType.TypeKind == TypeKind.Enum)
            {
                _diagnostics.Report(DiagnosticDescriptors.ConstructorParameterNotAService, parameter.Locations.FirstOrDefault(), parameter.Name, _type.Name, Symbols.Display(type));
            }
            services.Add(new ServiceSpec(CallbackBinder.ServiceTypeName(type), Required: !Symbols.IsOptional(parameter)));
        }
        return services;
    }

    /// <summary>The callback methods by kind, found by name on the class and its base classes; a second one of a kind is an error.</summary>
    private Dictionary<CallbackKind, IMethodSymbol> FindCallbacks()
    {
        var found = new Dictionary<CallbackKind, IMethodSymbol>();
        foreach (var name in CallbackNames.All)
        {
            var candidates = new List<IMethodSymbol>();
            var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            for (var type = _type; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
            {
                foreach (var member in type.GetMembers(name))
                {
                    if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method) continue;
                    if (overridden.Contains(method)) continue;
                    if (method.OverriddenMethod is { } baseMethod) overridden.Add(baseMethod.OriginalDefinition);
                    candidates.Add(method);
                }
            }
            if (candidates.Count == 0) continue;
            found[CallbackNames.KindOf(name)] = candidates[0];
            for (var extra = 1; extra < candidates.Count; extra++)
            {
                _diagnostics.Report(DiagnosticDescriptors.DuplicateCallback, candidates[extra].Locations.FirstOrDefault(), _type.Name, name);
            }
        }
        return found;
    }

    private void ReportTypos(Dictionary<CallbackKind, IMethodSymbol> callbacks)
    {
        foreach (var member in _type.GetMembers())
        {
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || method.IsOverride) continue;
            var suggestion = CallbackNames.Suggest(method.Name);
            if (suggestion is null) continue;
            // Renaming into a callback the class already has would only make an overload.
            if (callbacks.ContainsKey(CallbackNames.KindOf(suggestion))) continue;
            _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.CallbackNameTypo, method.Locations.FirstOrDefault(), suggestion, method.Name, suggestion);
        }
    }
}
