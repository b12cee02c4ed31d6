using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Decides, for each parameter of each callback of one endpoint, where its value comes from. The state type is
/// passed in explicitly: <see cref="BindOpen"/> finds it in OnOpen's return type, and every later callback is
/// bound against it. Route, query and header values taken by any callback are collected once for the endpoint.
/// </summary>
internal sealed class CallbackBinder(string pattern, IReadOnlyList<string> routeNames, bool hasOnOpen, DiagnosticList diagnostics, CancellationToken cancellationToken)
{
    private readonly List<RequestValueSpec> _requestValues = new();
    private readonly HashSet<string> _routeNamesTaken = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The request values the callbacks take, parsed before the upgrade.</summary>
    public IReadOnlyList<RequestValueSpec> RequestValues => _requestValues;

    /// <summary>Whether a callback takes the route value <paramref name="name"/>.</summary>
    public bool TakesRouteValue(string name) => _routeNamesTaken.Contains(name);

    /// <summary>A type the compiler could not resolve was met: the compiler reports it, and no code is generated.</summary>
    public bool HasUnresolvedTypes { get; private set; }

    /// <summary>Binds OnOpen; <paramref name="stateType"/> is what it returns as the connection's state (null for none).</summary>
    public CallbackSpec? BindOpen(IMethodSymbol method, out ITypeSymbol? stateType)
    {
        stateType = null;
        if (!CheckMethod(method, out var valid)) return null;
        var returns = ClassifyOpenReturn(method, out stateType);
        if (returns is null) return null;
        return BindParameters(method, CallbackKind.Open, returns.Value, stateType: null, valid);
    }

    /// <summary>Binds a callback after OnOpen; a state parameter must be of <paramref name="stateType"/>.</summary>
    public CallbackSpec? Bind(IMethodSymbol method, CallbackKind kind, ITypeSymbol? stateType)
    {
        if (!CheckMethod(method, out var valid)) return null;
        var returns = ClassifyReturn(method);
        if (returns is null) return null;
        return BindParameters(method, kind, returns.Value, stateType, valid);
    }

    /// <summary>Checks what makes a method uncallable; false when nothing more should be said about it.</summary>
    private bool CheckMethod(IMethodSymbol method, out bool valid)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var location = method.Locations.FirstOrDefault();
        valid = true;
        if (!Symbols.IsAccessible(method))
        {
            diagnostics.Report(DiagnosticDescriptors.CallbackNotAccessible, location, method.Name, Symbols.AccessibilityText(method));
            valid = false;
        }
        else if (method.IsGenericMethod)
        {
            diagnostics.Report(DiagnosticDescriptors.CallbackIsGeneric, location, method.Name);
            valid = false;
        }
        if (method.IsAsync && method.ReturnsVoid)
        {
            diagnostics.Report(DiagnosticDescriptors.AsyncVoidCallback, location, method.Name);
            return false;
        }
        return true;
    }

    private CallbackSpec? BindParameters(IMethodSymbol method, CallbackKind kind, CallbackReturn returns, ITypeSymbol? stateType, bool valid)
    {
        var arguments = new List<ArgumentSpec>();
        var message = new MessageBinding();
        foreach (var parameter in method.Parameters)
        {
            var argument = BindParameter(parameter, method, kind, stateType, message);
            if (argument is null) valid = false;
            else arguments.Add(argument);
        }

        // An unresolved parameter type may be the message still being typed: the compiler already reports it.
        var unresolved = method.Parameters.Any(static parameter => parameter.Type.TypeKind == TypeKind.Error);
        if (unresolved || message.ProblemReported) valid = false;
        else if (message.Parameter is null && kind is CallbackKind.Text or CallbackKind.Binary)
        {
            diagnostics.Report(DiagnosticDescriptors.MissingMessageParameter, method.Locations.FirstOrDefault(), method.Name, MessageKind.Of(kind)!.Display);
            valid = false;
        }
        return valid ? new CallbackSpec(method.Name, method.IsStatic, returns, arguments.ToEquatableArray()) : null;
    }

    private CallbackReturn? ClassifyReturn(IMethodSymbol method)
    {
        if (method.ReturnsVoid) return CallbackReturn.Void;
        var returnType = method.ReturnType;
        if (returnType.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        if (Symbols.Is(returnType, KnownTypes.Task)) return CallbackReturn.Task;
        if (Symbols.Is(returnType, KnownTypes.ValueTask)) return CallbackReturn.ValueTask;
        diagnostics.Report(DiagnosticDescriptors.UnsupportedReturnType, method.Locations.FirstOrDefault(), method.Name, Symbols.Display(returnType),
            method.Name + " may return void, Task or ValueTask");
        return null;
    }

    private CallbackReturn? ClassifyOpenReturn(IMethodSymbol method, out ITypeSymbol? stateType)
    {
        stateType = null;
        if (method.ReturnsVoid) return CallbackReturn.Void;
        var returnType = method.ReturnType;
        if (returnType.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        if (Symbols.Is(returnType, KnownTypes.Task)) return CallbackReturn.Task;
        if (Symbols.Is(returnType, KnownTypes.ValueTask)) return CallbackReturn.ValueTask;
        if (returnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic)
        {
            var definition = generic.ConstructedFrom.ToDisplayString();
            if (definition is KnownTypes.TaskOfT or KnownTypes.ValueTaskOfT)
            {
                stateType = generic.TypeArguments[0];
                if (stateType.TypeKind == TypeKind.Error) HasUnresolvedTypes = true;
                return definition == KnownTypes.TaskOfT ? CallbackReturn.TaskOfState : CallbackReturn.ValueTaskOfState;
            }
        }
        if (returnType.IsRefLikeType || returnType.TypeKind == TypeKind.Pointer)
        {
            diagnostics.Report(DiagnosticDescriptors.UnsupportedReturnType, method.Locations.FirstOrDefault(), method.Name, Symbols.Display(returnType),
                "OnOpen may return void, Task, ValueTask, or the connection's state as T, Task<T> or ValueTask<T>");
            return null;
        }
        stateType = returnType;
        return CallbackReturn.State;
    }

    private ArgumentSpec? BindParameter(IParameterSymbol parameter, IMethodSymbol method, CallbackKind kind, ITypeSymbol? stateType, MessageBinding message)
    {
        var location = parameter.Locations.FirstOrDefault();
        var type = parameter.Type;
        if (type.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        if (parameter.RefKind != RefKind.None)
        {
            diagnostics.Report(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, method.Name);
            return null;
        }

        if (RequestValueAttribute(parameter) is { } fromRequest) return BindRequestValue(parameter, method, fromRequest.Source, fromRequest.Key);
        if (HasFromServices(parameter))
        {
            return new ArgumentSpec(Symbols.IsOptional(parameter) ? ArgumentSource.OptionalService : ArgumentSource.Service, ServiceTypeName(type));
        }

        if (Symbols.Is(type, KnownTypes.Connection)) return new ArgumentSpec(ArgumentSource.Connection, "");
        if (Symbols.Is(type, KnownTypes.HttpContext)) return new ArgumentSpec(ArgumentSource.HttpContext, "");
        if (Symbols.Is(type, KnownTypes.CancellationToken)) return new ArgumentSpec(ArgumentSource.CancellationToken, "");
        if (Symbols.Is(type, KnownTypes.ClaimsPrincipal)) return new ArgumentSpec(ArgumentSource.User, "");

        var routeName = routeNames.FirstOrDefault(route => string.Equals(route, parameter.Name, StringComparison.OrdinalIgnoreCase));
        var expected = MessageKind.Of(kind);
        if (expected is not null && Symbols.Is(type, expected.FullName) && routeName is null)
        {
            if (message.Parameter is { } first)
            {
                diagnostics.Report(DiagnosticDescriptors.SecondMessageParameter, location, parameter.Name, method.Name, expected.What, first);
                message.ProblemReported = true;
                return null;
            }
            message.Parameter = parameter.Name;
            return new ArgumentSpec(expected.Source, "");
        }

        if (routeName is not null)
        {
            _routeNamesTaken.Add(routeName);
            return BindRequestValue(parameter, method, RequestValueSource.Route, routeName);
        }

        if (kind == CallbackKind.Open)
        {
            diagnostics.Report(DiagnosticDescriptors.ParameterCannotBeBound, location, parameter.Name, method.Name,
                $"its type '{Symbols.Display(type)}' is not one the generator binds (WebSocketConnection, HttpContext, CancellationToken, ClaimsPrincipal), " +
                $"no route value of '{pattern}' is named '{parameter.Name}', and it is not marked [FromServices]; " +
                "rename it after a route value, mark it [FromServices], or take it in the constructor");
            return null;
        }

        // Anything else in a later callback is the connection's state, which must be what OnOpen returns.
        if (stateType is not null && SymbolEqualityComparer.Default.Equals(type, stateType)) return new ArgumentSpec(ArgumentSource.State, "");
        if (expected is not null && message.Parameter is null && LooksLikeMessage(type, kind))
        {
            diagnostics.Report(DiagnosticDescriptors.WrongMessageType, location, parameter.Name, method.Name, Symbols.Display(type), expected.Display);
            message.ProblemReported = true;
            return null;
        }
        if (stateType is null)
        {
            diagnostics.Report(DiagnosticDescriptors.StateWithoutState, location, parameter.Name, method.Name, Symbols.Display(type),
                hasOnOpen ? "OnOpen returns no state" : "there is no OnOpen to return state");
            return null;
        }
        diagnostics.ReportWithSuggestion(DiagnosticDescriptors.StateTypeMismatch, location, Symbols.FullName(stateType),
            parameter.Name, method.Name, Symbols.Display(type), Symbols.Display(stateType));
        return null;
    }

    /// <summary>Types people reach for when they mean the message, but that the callback does not receive it as.</summary>
    private static bool LooksLikeMessage(ITypeSymbol type, CallbackKind kind)
    {
        var name = Symbols.FullName(type);
        return kind switch
        {
            CallbackKind.Text => name is "global::System.ReadOnlyMemory<byte>" or "global::System.ReadOnlySpan<byte>" or "global::System.ReadOnlySpan<char>"
                or "global::System.ReadOnlyMemory<char>" or "char[]" or "byte[]",
            CallbackKind.Binary => name is "byte[]" or "global::System.ReadOnlySpan<byte>" or "global::System.Memory<byte>" or "global::System.ArraySegment<byte>"
                or "global::System.IO.Stream" or "string",
            CallbackKind.Close => name is "global::System.Net.WebSockets.WebSocketCloseStatus" or "global::System.Net.WebSockets.WebSocketCloseStatus?",
            CallbackKind.Error => Symbols.DerivesFrom(type, KnownTypes.Exception),
            _ => false,
        };
    }

    private ArgumentSpec? BindRequestValue(IParameterSymbol parameter, IMethodSymbol method, RequestValueSource source, string key)
    {
        var type = parameter.Type;
        var optional = type.NullableAnnotation == NullableAnnotation.Annotated || Symbols.IsNullableValueType(type, out _);
        var parsedType = Symbols.IsNullableValueType(type, out var underlying) ? underlying! : type;
        ValueParse parse;
        if (parsedType.SpecialType == SpecialType.System_String) parse = ValueParse.None;
        else if (parsedType.TypeKind == TypeKind.Enum) parse = ValueParse.Enum;
        else if (HasTryParse(parsedType, withFormatProvider: true)) parse = ValueParse.TryParseWithFormatProvider;
        else if (HasTryParse(parsedType, withFormatProvider: false)) parse = ValueParse.TryParse;
        else
        {
            diagnostics.Report(DiagnosticDescriptors.ParameterCannotBeBound, parameter.Locations.FirstOrDefault(), parameter.Name, method.Name,
                $"it takes the {RequestValueText.Describe(source)} '{key}', but '{Symbols.Display(type)}' has no static TryParse method; take it as string or as a type with a static TryParse(string, out T)");
            return null;
        }

        var typeName = Symbols.FullName(type);
        foreach (var existing in _requestValues)
        {
            if (existing.Source == source && existing.Key == key && existing.TypeName == typeName) return new ArgumentSpec(ArgumentSource.RequestValue, existing.VariableName);
        }
        var variable = source.ToString().ToLowerInvariant() + "_" + CSharpText.Identifier(key);
        var sameName = _requestValues.Count(existing => existing.VariableName == variable || existing.VariableName.StartsWith(variable + "_", StringComparison.Ordinal));
        if (sameName > 0) variable += "_" + (sameName + 1).ToString(CultureInfo.InvariantCulture);
        _requestValues.Add(new RequestValueSpec(source, key, variable, typeName, Symbols.FullName(parsedType), parse, optional));
        return new ArgumentSpec(ArgumentSource.RequestValue, variable);
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
            if (withFormatProvider && !Symbols.Is(parameters[1].Type, KnownTypes.FormatProvider)) continue;
            var result = parameters[expected - 1];
            if (result.RefKind == RefKind.Out && SymbolEqualityComparer.Default.Equals(result.Type, type)) return true;
        }
        return false;
    }

    /// <summary>[FromQuery] or [FromHeader] on the parameter, with the key it names (the parameter's name by default).</summary>
    private static (RequestValueSource Source, string Key)? RequestValueAttribute(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass) continue;
            RequestValueSource? source = null;
            if (Symbols.Implements(attributeClass, KnownTypes.FromQueryMetadata)) source = RequestValueSource.Query;
            else if (Symbols.Implements(attributeClass, KnownTypes.FromHeaderMetadata)) source = RequestValueSource.Header;
            if (source is null) continue;
            var key = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string;
            return (source.Value, string.IsNullOrEmpty(key) ? parameter.Name : key!);
        }
        return null;
    }

    public static bool HasFromServices(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass) continue;
            if (attributeClass.Name == KnownTypes.FromServicesAttributeName || Symbols.Implements(attributeClass, KnownTypes.FromServiceMetadata)) return true;
        }
        return false;
    }

    public static string ServiceTypeName(ITypeSymbol type)
        => Symbols.IsNullableValueType(type, out var underlying) ? Symbols.FullName(underlying!) : Symbols.FullName(type);

    /// <summary>Which parameter of a callback took the message, and whether a problem with it was reported.</summary>
    private sealed class MessageBinding
    {
        public string? Parameter;
        public bool ProblemReported;
    }
}

/// <summary>What a callback receives as its message (or close information, or exception), and how to talk about it.</summary>
internal sealed class MessageKind(string fullName, string display, string what, ArgumentSource source)
{
    private static readonly MessageKind s_text = new(KnownTypes.String, "string", "message", ArgumentSource.TextMessage);
    private static readonly MessageKind s_binary = new(KnownTypes.ReadOnlyMemoryOfByte, "ReadOnlyMemory<byte>", "message", ArgumentSource.BinaryMessage);
    private static readonly MessageKind s_close = new(KnownTypes.CloseInfo, "WebSocketCloseInfo", "close information", ArgumentSource.CloseInfo);
    private static readonly MessageKind s_error = new(KnownTypes.Exception, "Exception", "exception", ArgumentSource.Exception);

    public string FullName { get; } = fullName;
    public string Display { get; } = display;
    public string What { get; } = what;
    public ArgumentSource Source { get; } = source;

    public static MessageKind? Of(CallbackKind kind) => kind switch
    {
        CallbackKind.Text => s_text,
        CallbackKind.Binary => s_binary,
        CallbackKind.Close => s_close,
        CallbackKind.Error => s_error,
        _ => null,
    };
}
