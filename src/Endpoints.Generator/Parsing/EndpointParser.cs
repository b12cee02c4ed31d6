using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Turns one <c>[WebSocketEndpoint]</c> class into an <see cref="EndpointSpec"/>, or into diagnostics that
/// say what to change. All validation happens here; the emitter trusts the spec.
/// </summary>
internal sealed class EndpointParser
{
    private static readonly SymbolDisplayFormat s_userFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    private readonly GeneratorAttributeSyntaxContext _context;
    private readonly INamedTypeSymbol _type;
    private readonly CancellationToken _cancellationToken;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly List<RequestValueSpec> _requestValues = new();
    private readonly HashSet<string> _routeNamesAskedFor = new(StringComparer.OrdinalIgnoreCase);
    private List<string> _routeNames = new();
    private string _pattern = "";
    private ITypeSymbol? _stateType;
    private bool _hasOnOpen;
    private bool _hasUnresolvedTypes;

    private EndpointParser(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        _context = context;
        _type = type;
        _cancellationToken = cancellationToken;
    }

    public static EndpointParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return new EndpointParseResult(null, EquatableArray<DiagnosticInfo>.Empty, null);
        return new EndpointParser(context, type, cancellationToken).Parse(context.Attributes[0]);
    }

    private EndpointParseResult Parse(AttributeData attribute)
    {
        // A half-typed attribute has no pattern yet: the compiler reports that, and nothing is generated.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string pattern)
        {
            return new EndpointParseResult(null, EquatableArray<DiagnosticInfo>.Empty, null);
        }
        _pattern = pattern;
        var patternLocation = PatternLocation(attribute);
        var displayName = _type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length);
        var route = ParsePattern(patternLocation, displayName);

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

        if (!CheckClass()) return Result(null, route);
        var constructorServices = ParseConstructor();
        var methods = FindCallbacks();
        ReportTypos(methods);
        _cancellationToken.ThrowIfCancellationRequested();

        if (methods.All(method => method is null))
        {
            Report(DiagnosticDescriptors.NoCallbacks, _type.Locations.FirstOrDefault(), _type.Name);
        }

        _hasOnOpen = methods[0] is not null;
        var onOpen = methods[0] is { } open ? ParseCallback(open, CallbackKind.Open) : null;
        var onText = methods[1] is { } text ? ParseCallback(text, CallbackKind.Text) : null;
        var onBinary = methods[2] is { } binary ? ParseCallback(binary, CallbackKind.Binary) : null;
        var onClose = methods[3] is { } close ? ParseCallback(close, CallbackKind.Close) : null;
        var onError = methods[4] is { } error ? ParseCallback(error, CallbackKind.Error) : null;
        if (methods[2] is { } binaryMethod) CheckBinaryBufferUse(binaryMethod);

        foreach (var name in route is null ? new List<string>() : _routeNames)
        {
            if (_routeNamesAskedFor.Contains(name)) continue;
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedRouteParameter, patternLocation, name, _type.Name) with { Suggestion = name });
        }

        if (constructorServices is null || _hasUnresolvedTypes || _diagnostics.Any(static d => d.IsError))
        {
            // An endpoint with errors emits no code: the diagnostics say what to fix.
            return Result(null, route);
        }

        var spec = new EndpointSpec(
            TypeName: FullName(_type),
            DisplayName: displayName,
            Identifier: ToIdentifier(displayName),
            Pattern: _pattern,
            MaxMessageSize: maxMessageSize,
            SubProtocols: subProtocols,
            AllowedOrigins: allowedOrigins,
            EnableCompression: enableCompression,
            Metadata: AttributeRenderer.EndpointMetadata(_type).ToEquatableArray(),
            ConstructorServices: constructorServices.ToEquatableArray(),
            RequestValues: _requestValues.ToEquatableArray(),
            StateType: _stateType is null ? null : FullName(_stateType),
            OnOpen: onOpen,
            OnText: onText,
            OnBinary: onBinary,
            OnClose: onClose,
            OnError: onError);
        return Result(spec, route);
    }

    private static EquatableArray<string> Strings(TypedConstant array)
        => array.Kind == TypedConstantKind.Array && !array.IsNull
            ? array.Values.Select(static value => value.Value as string).Where(static value => value is not null).Select(static value => value!).ToEquatableArray()
            : EquatableArray<string>.Empty;

    private EndpointParseResult Result(EndpointSpec? spec, RouteInfo? route) => new(spec, _diagnostics.ToEquatableArray(), route);

    private RouteInfo? ParsePattern(LocationInfo? location, string displayName)
    {
        if (_pattern.Trim().Length == 0)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyPattern, location, _type.Name));
            return null;
        }
        if (!_pattern.StartsWith("/", StringComparison.Ordinal))
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PatternWithoutLeadingSlash, location, _pattern) with { Suggestion = "/" + _pattern });
        }
        _routeNames = RoutePattern.Parse(_pattern, out var error, out var matchKey);
        if (error is not null)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPattern, location, _pattern, error));
            return null;
        }
        return new RouteInfo(displayName, _pattern, matchKey, location);
    }

    private LocationInfo? PatternLocation(AttributeData attribute)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
        var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault();
        return LocationInfo.From(argument?.GetLocation() ?? syntax?.GetLocation());
    }

    private bool CheckClass()
    {
        var location = _type.Locations.FirstOrDefault();
        var name = _type.Name;
        if (_type.IsStatic) Report(DiagnosticDescriptors.ClassIsStatic, location, name);
        else if (_type.IsAbstract) Report(DiagnosticDescriptors.ClassIsAbstract, location, name);
        else if (IsGeneric(_type)) Report(DiagnosticDescriptors.ClassIsGeneric, location, name);
        else if (_type.IsFileLocal) Report(DiagnosticDescriptors.ClassNotAccessible, location, name, "file-local");
        else if (InaccessibleContainer(_type) is { } hidden)
        {
            var what = SymbolEqualityComparer.Default.Equals(hidden, _type) ? AccessibilityText(hidden) : $"nested in {AccessibilityText(hidden)} '{hidden.Name}'";
            Report(DiagnosticDescriptors.ClassNotAccessible, location, name, what);
        }
        else return true;
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
            Report(DiagnosticDescriptors.NoUsableConstructor, _type.Locations.FirstOrDefault(), _type.Name);
            return null;
        }

        var services = new List<ServiceSpec>();
        foreach (var parameter in chosen.Parameters)
        {
            var type = parameter.Type;
            if (type.TypeKind == TypeKind.Error)
            {
                _hasUnresolvedTypes = true;
                continue;
            }
            if (parameter.RefKind != RefKind.None)
            {
                Report(DiagnosticDescriptors.ConstructorParameterByRef, parameter.Locations.FirstOrDefault(), parameter.Name, _type.Name);
                continue;
            }
            var serviceType = IsNullableValueType(type, out var underlying) ? underlying! : type;
            if (serviceType.SpecialType != SpecialType.None || serviceType.TypeKind == TypeKind.Enum)
            {
                Report(DiagnosticDescriptors.ConstructorParameterNotAService, parameter.Locations.FirstOrDefault(), parameter.Name, _type.Name, Display(type));
            }
            services.Add(new ServiceSpec(ServiceTypeName(type), Required: !IsOptional(parameter)));
        }
        return services;
    }

    private IMethodSymbol?[] FindCallbacks()
    {
        var found = new IMethodSymbol?[CallbackNames.All.Length];
        for (var i = 0; i < CallbackNames.All.Length; i++)
        {
            var candidates = new List<IMethodSymbol>();
            var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            for (var type = _type; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
            {
                foreach (var member in type.GetMembers(CallbackNames.All[i]))
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
                Report(DiagnosticDescriptors.DuplicateCallback, candidates[extra].Locations.FirstOrDefault(), _type.Name, CallbackNames.All[i]);
            }
        }
        return found;
    }

    private void ReportTypos(IMethodSymbol?[] callbacks)
    {
        foreach (var member in _type.GetMembers())
        {
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || method.IsOverride) continue;
            var suggestion = CallbackNames.Suggest(method.Name);
            if (suggestion is null) continue;
            // Renaming into a callback the class already has would only make an overload.
            if (callbacks[Array.IndexOf(CallbackNames.All, suggestion)] is not null) continue;
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CallbackNameTypo, method.Locations.FirstOrDefault(), method.Name, suggestion) with { Suggestion = suggestion });
        }
    }

    private CallbackSpec? ParseCallback(IMethodSymbol method, CallbackKind kind)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var location = method.Locations.FirstOrDefault();
        var name = method.Name;
        var valid = true;

        if (!IsAccessible(method))
        {
            Report(DiagnosticDescriptors.CallbackNotAccessible, location, name, AccessibilityText(method));
            valid = false;
        }
        else if (method.IsGenericMethod)
        {
            Report(DiagnosticDescriptors.CallbackIsGeneric, location, name);
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
        var binding = new MessageBinding();
        foreach (var parameter in method.Parameters)
        {
            var argument = BindParameter(parameter, method, kind, binding);
            if (argument is null) valid = false;
            else arguments.Add(argument);
        }

        // An unresolved parameter type may be the message still being typed: the compiler already reports it.
        var unresolved = method.Parameters.Any(static parameter => parameter.Type.TypeKind == TypeKind.Error);
        if (unresolved || binding.ProblemReported) valid = false;
        else if (binding.Parameter is null && MessageType(kind) is { } required && kind is CallbackKind.Text or CallbackKind.Binary)
        {
            Report(DiagnosticDescriptors.MissingMessageParameter, location, name, required.Display);
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

    private ArgumentSpec? BindParameter(IParameterSymbol parameter, IMethodSymbol method, CallbackKind kind, MessageBinding binding)
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
            Report(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, method.Name);
            return null;
        }

        if (RequestValueAttribute(parameter) is { } fromRequest)
        {
            return BindRequestValue(parameter, method, fromRequest.Source, fromRequest.Key);
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
        var message = MessageType(kind);
        if (message is not null && fullName == message.Value.FullName && routeName is null)
        {
            if (binding.Parameter is { } first)
            {
                Report(DiagnosticDescriptors.SecondMessageParameter, location, parameter.Name, method.Name, message.Value.What, first);
                binding.ProblemReported = true;
                return null;
            }
            binding.Parameter = parameter.Name;
            return new ArgumentSpec(message.Value.Source, "");
        }

        if (routeName is not null)
        {
            _routeNamesAskedFor.Add(routeName);
            return BindRequestValue(parameter, method, RequestValueSource.Route, routeName);
        }

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
        if (message is not null && binding.Parameter is null && LooksLikeMessage(type, kind))
        {
            Report(DiagnosticDescriptors.WrongMessageType, location, parameter.Name, method.Name, Display(type), message.Value.Display);
            binding.ProblemReported = true;
            return null;
        }
        if (_stateType is null)
        {
            Report(DiagnosticDescriptors.StateWithoutState, location, parameter.Name, method.Name, Display(type),
                _hasOnOpen ? "OnOpen returns no state" : "there is no OnOpen to return state");
            return null;
        }
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateTypeMismatch, location, parameter.Name, method.Name, Display(type), Display(_stateType))
            with { Suggestion = FullName(_stateType) });
        return null;
    }

    /// <summary>Types people reach for when they mean the message, but that the callback does not receive it as.</summary>
    private static bool LooksLikeMessage(ITypeSymbol type, CallbackKind kind)
    {
        var name = FullName(type);
        return kind switch
        {
            CallbackKind.Text => name is "global::System.ReadOnlyMemory<byte>" or "global::System.ReadOnlySpan<byte>" or "global::System.ReadOnlySpan<char>"
                or "global::System.ReadOnlyMemory<char>" or "char[]" or "byte[]",
            CallbackKind.Binary => name is "byte[]" or "global::System.ReadOnlySpan<byte>" or "global::System.Memory<byte>" or "global::System.ArraySegment<byte>"
                or "global::System.IO.Stream" or "string",
            CallbackKind.Close => name is "global::System.Net.WebSockets.WebSocketCloseStatus" or "global::System.Net.WebSockets.WebSocketCloseStatus?",
            CallbackKind.Error => IsException(type),
            _ => false,
        };
    }

    private static bool IsException(ITypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (FullName(current) == KnownTypes.Exception) return true;
        }
        return false;
    }

    private ArgumentSpec? BindRequestValue(IParameterSymbol parameter, IMethodSymbol method, RequestValueSource source, string key)
    {
        var type = parameter.Type;
        var optional = type.NullableAnnotation == NullableAnnotation.Annotated || IsNullableValueType(type, out _);
        var parsedType = IsNullableValueType(type, out var underlying) ? underlying! : type;
        ValueParse parse;
        if (parsedType.SpecialType == SpecialType.System_String) parse = ValueParse.None;
        else if (parsedType.TypeKind == TypeKind.Enum) parse = ValueParse.Enum;
        else if (HasTryParse(parsedType, withFormatProvider: true)) parse = ValueParse.TryParseWithFormatProvider;
        else if (HasTryParse(parsedType, withFormatProvider: false)) parse = ValueParse.TryParse;
        else
        {
            Report(DiagnosticDescriptors.ParameterCannotBeBound, parameter.Locations.FirstOrDefault(), parameter.Name, method.Name,
                $"it takes the {Describe(source)} '{key}', but '{Display(type)}' has no static TryParse method; take it as string or as a type with a static TryParse(string, out T)");
            return null;
        }

        var typeName = FullName(type);
        foreach (var existing in _requestValues)
        {
            if (existing.Source == source && existing.Key == key && existing.TypeName == typeName) return new ArgumentSpec(ArgumentSource.RequestValue, existing.VariableName);
        }
        var variable = source.ToString().ToLowerInvariant() + "_" + ToIdentifier(key);
        var sameName = _requestValues.Count(existing => existing.VariableName == variable || existing.VariableName.StartsWith(variable + "_", StringComparison.Ordinal));
        if (sameName > 0) variable += "_" + (sameName + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _requestValues.Add(new RequestValueSpec(source, key, variable, typeName, FullName(parsedType), parse, optional));
        return new ArgumentSpec(ArgumentSource.RequestValue, variable);
    }

    /// <summary>Warns where OnBinary lets the received buffer escape: into a field or property, or into a lambda.</summary>
    private void CheckBinaryBufferUse(IMethodSymbol method)
    {
        var data = method.Parameters.FirstOrDefault(p => FullName(p.Type) == KnownTypes.ReadOnlyMemoryOfByte);
        if (data is null) return;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(_cancellationToken) is not MethodDeclarationSyntax declaration) continue;
            SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            if (body is null) continue;
            var model = declaration.SyntaxTree == _context.SemanticModel.SyntaxTree
                ? _context.SemanticModel
                : _context.SemanticModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
            foreach (var identifier in body.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != data.Name) continue;
                if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, _cancellationToken).Symbol, data)) continue;
                var escape = DescribeEscape(identifier, body, model);
                if (escape is not null) Report(DiagnosticDescriptors.BinaryBufferEscapes, identifier.GetLocation(), data.Name, escape);
            }
        }
    }

    private string? DescribeEscape(IdentifierNameSyntax identifier, SyntaxNode body, SemanticModel model)
    {
        for (var node = identifier.Parent; node is not null && node != body; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return "captured by a lambda or local function that may run later";
        }
        if (identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Right == identifier)
        {
            var target = model.GetSymbolInfo(assignment.Left, _cancellationToken).Symbol;
            if (target is IFieldSymbol or IPropertySymbol) return $"stored in '{target.Name}'";
        }
        return null;
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

    internal static string Describe(RequestValueSource source) => source switch
    {
        RequestValueSource.Query => "query value",
        RequestValueSource.Header => "header",
        _ => "route value",
    };

    /// <summary>[FromQuery] or [FromHeader] on the parameter, with the key it names (the parameter's name by default).</summary>
    private static (RequestValueSource Source, string Key)? RequestValueAttribute(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is null) continue;
            RequestValueSource? source = null;
            foreach (var implemented in attributeClass.AllInterfaces)
            {
                var name = FullName(implemented);
                if (name == KnownTypes.FromQueryMetadata) source = RequestValueSource.Query;
                else if (name == KnownTypes.FromHeaderMetadata) source = RequestValueSource.Header;
            }
            if (source is null) continue;
            var key = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string;
            return (source.Value, string.IsNullOrEmpty(key) ? parameter.Name : key!);
        }
        return null;
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

    private static (string FullName, string Display, string What, ArgumentSource Source)? MessageType(CallbackKind kind) => kind switch
    {
        CallbackKind.Text => (KnownTypes.String, "string", "message", ArgumentSource.TextMessage),
        CallbackKind.Binary => (KnownTypes.ReadOnlyMemoryOfByte, "ReadOnlyMemory<byte>", "message", ArgumentSource.BinaryMessage),
        CallbackKind.Close => (KnownTypes.CloseInfo, "WebSocketCloseInfo", "close information", ArgumentSource.CloseInfo),
        CallbackKind.Error => (KnownTypes.Exception, "Exception", "exception", ArgumentSource.Exception),
        _ => null,
    };

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

    /// <summary>The class itself or the first type it is nested in that code elsewhere in the assembly cannot see.</summary>
    private static INamedTypeSymbol? InaccessibleContainer(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!IsAccessible(current)) return current;
        }
        return null;
    }

    private static string AccessibilityText(ISymbol symbol) => symbol.DeclaredAccessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
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

    /// <summary>Which parameter of a callback took the message, and whether a problem with it was reported.</summary>
    private sealed class MessageBinding
    {
        public string? Parameter;
        public bool ProblemReported;
    }

    private enum CallbackKind
    {
        Open,
        Text,
        Binary,
        Close,
        Error,
    }
}
