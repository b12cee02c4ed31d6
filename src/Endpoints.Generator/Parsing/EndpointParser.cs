using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Turns one <c>[WebSocketEndpoint]</c> class into an <see cref="EndpointSpec"/>, or into diagnostics that
/// say what to change. All validation happens here; the emitter trusts the spec.
/// </summary>
internal sealed class EndpointParser
{
    private static readonly SymbolDisplayFormat s_userFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    private static readonly string[] s_callbackNames = { "OnOpen", "OnText", "OnBinary", "OnClose", "OnError" };

    private readonly INamedTypeSymbol _type;
    private readonly CancellationToken _cancellationToken;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly List<RouteValueSpec> _routeValues = new();
    private List<string> _routeNames = new();
    private string _pattern = "";
    private ITypeSymbol? _stateType;
    private bool _hasUnresolvedTypes;

    private EndpointParser(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        _type = type;
        _cancellationToken = cancellationToken;
    }

    public static EndpointParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return new EndpointParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        return new EndpointParser(type, cancellationToken).Parse(context.Attributes[0]);
    }

    private EndpointParseResult Parse(AttributeData attribute)
    {
        // A half-typed attribute has no pattern yet: the compiler reports that, and nothing is generated.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string pattern)
        {
            return new EndpointParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }
        _pattern = pattern;
        _routeNames = RoutePattern.ParameterNames(_pattern);
        var maxMessageSize = 0;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "MaxMessageSize" && named.Value.Value is int size) maxMessageSize = size;
        }

        if (!CheckClass()) return new EndpointParseResult(null, _diagnostics.ToEquatableArray());
        var constructorServices = ParseConstructor();
        var methods = FindCallbacks();
        _cancellationToken.ThrowIfCancellationRequested();

        if (methods.All(method => method is null))
        {
            Report(DiagnosticDescriptors.NoCallbacks, _type.Locations.FirstOrDefault(), _type.Name);
        }

        var onOpen = methods[0] is { } open ? ParseCallback(open, CallbackKind.Open) : null;
        var onText = methods[1] is { } text ? ParseCallback(text, CallbackKind.Text) : null;
        var onBinary = methods[2] is { } binary ? ParseCallback(binary, CallbackKind.Binary) : null;
        var onClose = methods[3] is { } close ? ParseCallback(close, CallbackKind.Close) : null;
        var onError = methods[4] is { } error ? ParseCallback(error, CallbackKind.Error) : null;

        var diagnostics = _diagnostics.ToEquatableArray();
        if (constructorServices is null || _diagnostics.Count > 0 || _hasUnresolvedTypes)
        {
            // An endpoint with errors emits no code: the diagnostics say what to fix.
            return new EndpointParseResult(null, diagnostics);
        }

        var displayName = _type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length);
        var spec = new EndpointSpec(
            TypeName: FullName(_type),
            DisplayName: displayName,
            Identifier: ToIdentifier(displayName),
            Pattern: _pattern,
            MaxMessageSize: maxMessageSize,
            ConstructorServices: constructorServices.ToEquatableArray(),
            RouteValues: _routeValues.ToEquatableArray(),
            StateType: _stateType is null ? null : FullName(_stateType),
            OnOpen: onOpen,
            OnText: onText,
            OnBinary: onBinary,
            OnClose: onClose,
            OnError: onError);
        return new EndpointParseResult(spec, diagnostics);
    }

    private bool CheckClass()
    {
        var location = _type.Locations.FirstOrDefault();
        string? problem = null;
        if (_type.IsStatic) problem = "it is static; make it an instance class";
        else if (_type.IsAbstract) problem = "it is abstract; the generator creates one instance per connection, so it must be concrete";
        else if (_type.TypeKind != TypeKind.Class) problem = "it is not a class";
        else if (IsGeneric(_type)) problem = "it is generic (or nested in a generic type); make it a non-generic class";
        else if (_type.IsFileLocal) problem = "it is file-local; make it internal or public";
        else if (!IsAccessibleFromAssembly(_type)) problem = "it (or a type it is nested in) is private or protected; make it internal or public";

        if (problem is null) return true;
        Report(DiagnosticDescriptors.EndpointClassNotUsable, location, _type.Name, problem);
        return false;
    }

    private List<ServiceSpec>? ParseConstructor()
    {
        IMethodSymbol? chosen = null;
        foreach (var constructor in _type.InstanceConstructors)
        {
            if (!IsAccessible(constructor)) continue;
            if (chosen is null || constructor.Parameters.Length > chosen.Parameters.Length) chosen = constructor;
        }
        if (chosen is null)
        {
            if (!_type.IsStatic && !_type.IsAbstract)
            {
                Report(DiagnosticDescriptors.EndpointClassNotUsable, _type.Locations.FirstOrDefault(), _type.Name,
                    "it has no public or internal constructor; add one (its parameters are resolved from dependency injection)");
            }
            return null;
        }

        var services = new List<ServiceSpec>();
        foreach (var parameter in chosen.Parameters)
        {
            if (parameter.Type.TypeKind == TypeKind.Error)
            {
                _hasUnresolvedTypes = true;
                continue;
            }
            if (parameter.RefKind != RefKind.None)
            {
                Report(DiagnosticDescriptors.ParameterCannotBeBound, parameter.Locations.FirstOrDefault(), parameter.Name, "the constructor",
                    "constructor parameters are services and cannot be ref, out or in");
                continue;
            }
            services.Add(new ServiceSpec(ServiceTypeName(parameter.Type), Required: !IsOptional(parameter)));
        }
        return services;
    }

    private IMethodSymbol?[] FindCallbacks()
    {
        var found = new IMethodSymbol?[s_callbackNames.Length];
        for (var i = 0; i < s_callbackNames.Length; i++)
        {
            var candidates = new List<IMethodSymbol>();
            var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            for (var type = _type; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
            {
                foreach (var member in type.GetMembers(s_callbackNames[i]))
                {
                    if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method) continue;
                    if (overridden.Contains(method)) continue;
                    if (method.OverriddenMethod is { } baseMethod) overridden.Add(baseMethod.OriginalDefinition);
                    candidates.Add(method);
                }
            }
            if (candidates.Count == 0) continue;
            found[i] = candidates[0];
            for (var extra = 1; extra < candidates.Count; extra++)
            {
                Report(DiagnosticDescriptors.DuplicateCallback, candidates[extra].Locations.FirstOrDefault(), _type.Name, s_callbackNames[i]);
            }
        }
        return found;
    }

    private CallbackSpec? ParseCallback(IMethodSymbol method, CallbackKind kind)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var location = method.Locations.FirstOrDefault();
        var name = method.Name;
        var valid = true;

        if (!IsAccessible(method))
        {
            Report(DiagnosticDescriptors.CallbackNotUsable, location, name, "it is private or protected; make it public or internal");
            valid = false;
        }
        else if (method.IsGenericMethod)
        {
            Report(DiagnosticDescriptors.CallbackNotUsable, location, name, "it is generic; remove its type parameters");
            valid = false;
        }
        else if (method.IsAbstract)
        {
            Report(DiagnosticDescriptors.CallbackNotUsable, location, name, "it is abstract");
            valid = false;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            Report(DiagnosticDescriptors.AsyncVoidCallback, location, name);
            return null;
        }

        var returns = ClassifyReturn(method, kind);
        if (returns is null) return null;

        var arguments = new List<ArgumentSpec>();
        var messageBound = false;
        foreach (var parameter in method.Parameters)
        {
            var argument = BindParameter(parameter, method, kind, ref messageBound);
            if (argument is null) valid = false;
            else arguments.Add(argument);
        }

        // An unresolved parameter type may be the message still being typed: the compiler already reports it.
        var unresolved = method.Parameters.Any(static parameter => parameter.Type.TypeKind == TypeKind.Error);
        if (unresolved) valid = false;
        else if (kind == CallbackKind.Text && !messageBound)
        {
            Report(DiagnosticDescriptors.MissingMessageParameter, location, name, "string");
            valid = false;
        }
        else if (kind == CallbackKind.Binary && !messageBound)
        {
            Report(DiagnosticDescriptors.MissingMessageParameter, location, name, "ReadOnlyMemory<byte>");
            valid = false;
        }

        return valid ? new CallbackSpec(name, method.IsStatic, returns.Value, arguments.ToEquatableArray()) : null;
    }

    private CallbackReturn? ClassifyReturn(IMethodSymbol method, CallbackKind kind)
    {
        if (method.ReturnsVoid) return CallbackReturn.Void;
        var returnType = method.ReturnType;
        if (returnType.TypeKind == TypeKind.Error)
        {
            _hasUnresolvedTypes = true;
            return null;
        }
        var fullName = FullName(returnType);
        if (fullName == KnownTypes.Task) return CallbackReturn.Task;
        if (fullName == KnownTypes.ValueTask) return CallbackReturn.ValueTask;

        if (kind == CallbackKind.Open)
        {
            if (returnType is INamedTypeSymbol { IsGenericType: true } generic && generic.TypeArguments.Length == 1)
            {
                var definition = generic.ConstructedFrom.ToDisplayString();
                if (definition == KnownTypes.TaskOfT || definition == KnownTypes.ValueTaskOfT)
                {
                    _stateType = generic.TypeArguments[0];
                    if (_stateType.TypeKind == TypeKind.Error) _hasUnresolvedTypes = true;
                    return definition == KnownTypes.TaskOfT ? CallbackReturn.TaskOfState : CallbackReturn.ValueTaskOfState;
                }
            }
            if (returnType.IsRefLikeType || returnType.TypeKind == TypeKind.Pointer)
            {
                Report(DiagnosticDescriptors.UnsupportedReturnType, method.Locations.FirstOrDefault(), method.Name, Display(returnType),
                    "OnOpen may return void, Task, ValueTask, or the connection's state as T, Task<T> or ValueTask<T>");
                return null;
            }
            _stateType = returnType;
            return CallbackReturn.State;
        }

        Report(DiagnosticDescriptors.UnsupportedReturnType, method.Locations.FirstOrDefault(), method.Name, Display(returnType),
            method.Name + " may return void, Task or ValueTask");
        return null;
    }

    private ArgumentSpec? BindParameter(IParameterSymbol parameter, IMethodSymbol method, CallbackKind kind, ref bool messageBound)
    {
        var location = parameter.Locations.FirstOrDefault();
        var type = parameter.Type;
        if (type.TypeKind == TypeKind.Error)
        {
            _hasUnresolvedTypes = true;
            return null;
        }
        if (parameter.RefKind != RefKind.None)
        {
            Report(DiagnosticDescriptors.ParameterCannotBeBound, location, parameter.Name, method.Name, "callback parameters cannot be ref, out or in");
            return null;
        }

        if (HasFromServices(parameter))
        {
            return new ArgumentSpec(IsOptional(parameter) ? ArgumentSource.OptionalService : ArgumentSource.Service, ServiceTypeName(type));
        }

        var fullName = FullName(type);
        switch (fullName)
        {
            case KnownTypes.Connection: return new ArgumentSpec(ArgumentSource.Connection, "");
            case KnownTypes.HttpContext: return new ArgumentSpec(ArgumentSource.HttpContext, "");
            case KnownTypes.CancellationToken: return new ArgumentSpec(ArgumentSource.CancellationToken, "");
            case KnownTypes.ClaimsPrincipal: return new ArgumentSpec(ArgumentSource.User, "");
        }

        var routeName = _routeNames.FirstOrDefault(route => string.Equals(route, parameter.Name, StringComparison.OrdinalIgnoreCase));
        var messageType = kind switch
        {
            CallbackKind.Text => KnownTypes.String,
            CallbackKind.Binary => KnownTypes.ReadOnlyMemoryOfByte,
            CallbackKind.Close => KnownTypes.CloseInfo,
            CallbackKind.Error => KnownTypes.Exception,
            _ => null,
        };
        if (messageType is not null && fullName == messageType && routeName is null)
        {
            if (messageBound)
            {
                Report(DiagnosticDescriptors.ParameterCannotBeBound, location, parameter.Name, method.Name,
                    "the callback already takes the " + DescribeMessage(kind) + " in an earlier parameter; remove one of them");
                return null;
            }
            messageBound = true;
            return new ArgumentSpec(kind switch
            {
                CallbackKind.Text => ArgumentSource.TextMessage,
                CallbackKind.Binary => ArgumentSource.BinaryMessage,
                CallbackKind.Close => ArgumentSource.CloseInfo,
                _ => ArgumentSource.Exception,
            }, "");
        }

        if (routeName is not null) return BindRouteValue(parameter, method, routeName);

        if (kind == CallbackKind.Open)
        {
            Report(DiagnosticDescriptors.ParameterCannotBeBound, location, parameter.Name, method.Name,
                $"its type '{Display(type)}' is not one the generator binds (WebSocketConnection, HttpContext, CancellationToken, ClaimsPrincipal), " +
                $"no route value of '{_pattern}' is named '{parameter.Name}', and it is not marked [FromServices]; " +
                "rename it after a route value, mark it [FromServices], or take it in the constructor");
            return null;
        }

        // Anything else in a later callback is the connection's state, which must be what OnOpen returns.
        if (_stateType is not null && SymbolEqualityComparer.Default.Equals(type, _stateType))
        {
            return new ArgumentSpec(ArgumentSource.State, "");
        }
        var expectation = _stateType is null
            ? "OnOpen returns no state; return the state from OnOpen, mark the parameter [FromServices], or remove it"
            : $"OnOpen returns state of type '{Display(_stateType)}'; change the parameter's type to '{Display(_stateType)}'";
        Report(DiagnosticDescriptors.StateTypeMismatch, location, parameter.Name, method.Name, Display(type), expectation);
        return null;
    }

    private ArgumentSpec? BindRouteValue(IParameterSymbol parameter, IMethodSymbol method, string routeName)
    {
        var type = parameter.Type;
        var optional = type.NullableAnnotation == NullableAnnotation.Annotated || IsNullableValueType(type, out _);
        var parsedType = IsNullableValueType(type, out var underlying) ? underlying! : type;
        RouteValueParse parse;
        if (parsedType.SpecialType == SpecialType.System_String) parse = RouteValueParse.None;
        else if (parsedType.TypeKind == TypeKind.Enum) parse = RouteValueParse.Enum;
        else if (HasTryParse(parsedType, withFormatProvider: true)) parse = RouteValueParse.TryParseWithFormatProvider;
        else if (HasTryParse(parsedType, withFormatProvider: false)) parse = RouteValueParse.TryParse;
        else
        {
            Report(DiagnosticDescriptors.ParameterCannotBeBound, parameter.Locations.FirstOrDefault(), parameter.Name, method.Name,
                $"it takes the route value '{routeName}', but '{Display(type)}' has no static TryParse method; take it as string or as a type with a static TryParse(string, out T)");
            return null;
        }

        var typeName = FullName(type);
        foreach (var existing in _routeValues)
        {
            if (existing.RouteName == routeName && existing.TypeName == typeName) return new ArgumentSpec(ArgumentSource.RouteValue, existing.VariableName);
        }
        var variable = "route_" + ToIdentifier(routeName);
        var sameName = _routeValues.Count(existing => existing.RouteName == routeName);
        if (sameName > 0) variable += "_" + (sameName + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _routeValues.Add(new RouteValueSpec(routeName, variable, typeName, FullName(parsedType), parse, optional));
        return new ArgumentSpec(ArgumentSource.RouteValue, variable);
    }

    private static bool HasTryParse(ITypeSymbol type, bool withFormatProvider)
    {
        foreach (var member in type.GetMembers("TryParse"))
        {
            if (member is not IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public } method) continue;
            if (method.ReturnType.SpecialType != SpecialType.System_Boolean) continue;
            var parameters = method.Parameters;
            var expected = withFormatProvider ? 3 : 2;
            if (parameters.Length != expected) continue;
            if (parameters[0].Type.SpecialType != SpecialType.System_String) continue;
            if (withFormatProvider && FullName(parameters[1].Type) != KnownTypes.FormatProvider) continue;
            var result = parameters[expected - 1];
            if (result.RefKind == RefKind.Out && SymbolEqualityComparer.Default.Equals(result.Type, type)) return true;
        }
        return false;
    }

    private static bool HasFromServices(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is null) continue;
            if (attributeClass.Name == KnownTypes.FromServicesAttributeName) return true;
            if (attributeClass.AllInterfaces.Any(i => FullName(i) == KnownTypes.FromServiceMetadata)) return true;
        }
        return false;
    }

    private static bool IsOptional(IParameterSymbol parameter)
        => parameter.HasExplicitDefaultValue
           || parameter.Type.NullableAnnotation == NullableAnnotation.Annotated
           || IsNullableValueType(parameter.Type, out _);

    private static bool IsNullableValueType(ITypeSymbol type, out ITypeSymbol? underlying)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            underlying = nullable.TypeArguments[0];
            return true;
        }
        underlying = null;
        return false;
    }

    private static bool IsAccessible(ISymbol member)
        => member.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    private static bool IsGeneric(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.TypeParameters.Length > 0) return true;
        }
        return false;
    }

    private static bool IsAccessibleFromAssembly(ISymbol symbol)
    {
        for (var current = symbol; current is not null && current is not INamespaceSymbol; current = current.ContainingSymbol)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)) return false;
        }
        return true;
    }

    private static string DescribeMessage(CallbackKind kind) => kind switch
    {
        CallbackKind.Text => "message",
        CallbackKind.Binary => "message",
        CallbackKind.Close => "close information",
        _ => "exception",
    };

    private static string FullName(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string ServiceTypeName(ITypeSymbol type)
        => IsNullableValueType(type, out var underlying) ? FullName(underlying!) : FullName(type);

    private static string Display(ITypeSymbol type) => type.ToDisplayString(s_userFormat);

    internal static string ToIdentifier(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] != '_') chars[i] = '_';
        }
        var identifier = new string(chars);
        return identifier.Length > 0 && char.IsDigit(identifier[0]) ? "_" + identifier : identifier;
    }

    private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

    private enum CallbackKind
    {
        Open,
        Text,
        Binary,
        Close,
        Error,
    }
}
