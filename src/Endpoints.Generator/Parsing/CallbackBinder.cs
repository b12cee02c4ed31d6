using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Decides, for each parameter of each callback of one endpoint, where its value comes from. The state type is
/// passed in explicitly: <see cref="BindOpen"/> finds it in OnOpen's return type, and every later callback is
/// bound against it. Route, query and header values taken by any callback are collected once for the endpoint.
/// </summary>
/// <param name="routeKnown">
/// False when the pattern is not valid: a parameter that may be meant for a route value is then not reported (the
/// pattern's error is the one to fix).
/// </param>
/// <param name="known">The compilation's known types, which parameters and return types are compared with.</param>
internal sealed class CallbackBinder(string pattern, IReadOnlyList<RouteParameter> routeParameters, bool routeKnown, IMethodSymbol? onOpen,
    KnownTypeSymbols known, DiagnosticList diagnostics, CancellationToken cancellationToken)
{
    // Names people give the message when a callback has several parameters of its type.
    private static readonly string[] s_messageNames =
    {
        "text", "message", "msg", "payload", "data", "body", "bytes", "buffer", "close", "info", "error", "exception", "ex", "e",
    };

    private readonly List<RequestValueSpec> _requestValues = new();
    private readonly HashSet<string> _routeNamesTaken = new(StringComparer.OrdinalIgnoreCase);

    private readonly List<RequiredServiceSpec> _requiredServices = new();

    /// <summary>The [FromServices] parameters that are not optional, with what takes each.</summary>
    public IReadOnlyList<RequiredServiceSpec> RequiredServices => _requiredServices;

    private readonly List<(IMethodSymbol Method, IParameterSymbol Parameter)> _stateParameters = new();

    /// <summary>The parameters bound to the state, with their callbacks: what StructStateCheck looks at.</summary>
    public IReadOnlyList<(IMethodSymbol Method, IParameterSymbol Parameter)> StateParameters => _stateParameters;

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

    /// <summary>
    /// Binds an OnMessage; <paramref name="messageParameter"/> is the parameter that takes the typed message: the first
    /// one that is none of the other things a callback can take.
    /// </summary>
    public CallbackSpec? BindTypedMessage(IMethodSymbol method, ITypeSymbol? stateType, out IParameterSymbol? messageParameter, out ITypeSymbol? replyType)
    {
        messageParameter = null;
        replyType = null;
        if (!CheckMethod(method, out var valid)) return null;
        var returns = ClassifyMessageReturn(method, out replyType);
        if (returns is null) return null;
        messageParameter = method.Parameters.FirstOrDefault(p => p.RefKind == RefKind.None && IsTypedMessageCandidate(p, stateType));
        if (messageParameter is null)
        {
            diagnostics.Report(DiagnosticDescriptors.MissingTypedMessageParameter, SyntaxLocations.ParameterList(method, cancellationToken));
            return null;
        }
        if (messageParameter.Type.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        return BindParameters(method, CallbackKind.Message, returns.Value, stateType, valid, messageParameter);
    }

    private bool IsTypedMessageCandidate(IParameterSymbol parameter, ITypeSymbol? stateType)
    {
        var type = parameter.Type;
        if (RequestValueAttribute(parameter) is not null || HasFromServices(parameter)) return false;
        if (KnownTypeSymbols.Is(type, known.Connection) || KnownTypeSymbols.Is(type, known.HttpContext) || KnownTypeSymbols.Is(type, known.CancellationToken)
            || KnownTypeSymbols.Is(type, known.ClaimsPrincipal) || KnownTypeSymbols.Is(type, known.InvalidMessage)) return false;
        // SymbolEqualityComparer.Default ignores nullable annotations.
        if (stateType is not null && SymbolEqualityComparer.Default.Equals(type, stateType)) return false;
        return !routeParameters.Any(r => string.Equals(r.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Checks what makes a method uncallable; false when nothing more should be said about it.</summary>
    private bool CheckMethod(IMethodSymbol method, out bool valid)
    {
        cancellationToken.ThrowIfCancellationRequested();
        valid = true;
        if (!Symbols.IsAccessible(method))
        {
            diagnostics.Report(DiagnosticDescriptors.CallbackNotAccessible, SyntaxLocations.Accessibility(method, cancellationToken), method.Name,
                Symbols.AccessibilityText(method));
            valid = false;
        }
        else if (method.IsGenericMethod)
        {
            diagnostics.Report(DiagnosticDescriptors.CallbackIsGeneric, SyntaxLocations.TypeParameters(method, cancellationToken), method.Name);
            valid = false;
        }
        if (method.IsAsync && method.ReturnsVoid)
        {
            diagnostics.Report(DiagnosticDescriptors.AsyncVoidCallback, SyntaxLocations.ReturnType(method, cancellationToken), method.Name);
            return false;
        }
        return true;
    }

    private CallbackSpec? BindParameters(IMethodSymbol method, CallbackKind kind, CallbackReturn returns, ITypeSymbol? stateType, bool valid,
        IParameterSymbol? typedMessage = null)
    {
        var expected = MessageKind.Of(kind);
        var message = expected is null ? null : ChooseMessageParameter(method, expected);
        var arguments = new List<ArgumentSpec>();
        var allBound = true;
        foreach (var parameter in method.Parameters)
        {
            var argument = typedMessage is not null && SymbolEqualityComparer.Default.Equals(parameter, typedMessage)
                ? new ArgumentSpec(ArgumentSource.TypedMessage, Symbols.FullName(parameter.Type, keepNullable: true))
                : BindParameter(parameter, method, kind, stateType, expected, message);
            if (argument is null) allBound = false;
            else arguments.Add(argument);
        }
        if (!allBound) valid = false;
        else if (message is null && kind is CallbackKind.Text or CallbackKind.Binary)
        {
            // Only when every parameter is fine: a parameter of the wrong type was already reported as the message.
            diagnostics.ReportWithSuggestion(DiagnosticDescriptors.MissingMessageParameter, SyntaxLocations.ParameterList(method, cancellationToken),
                expected!.Parameter, method.Name, expected.Parameter);
            valid = false;
        }
        return valid ? new CallbackSpec(method.Name, method.IsStatic, returns, arguments.ToEquatableArray()) : null;
    }

    /// <summary>
    /// The parameter that takes the message when several have its type: the one named like a message (text,
    /// message, data…), else the last. The others are reported as second messages.
    /// </summary>
    private IParameterSymbol? ChooseMessageParameter(IMethodSymbol method, MessageKind expected)
    {
        var candidates = method.Parameters
            .Where(p => p.RefKind == RefKind.None && expected.Matches(p.Type, known, out _) && RequestValueAttribute(p) is null && !HasFromServices(p))
            .ToList();
        if (candidates.Count <= 1) return candidates.FirstOrDefault();
        foreach (var name in s_messageNames)
        {
            var named = candidates.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (named is not null) return named;
        }
        return candidates[candidates.Count - 1];
    }

    /// <summary>
    /// What an OnMessage returns: nothing, a task to wait for, or a reply (<paramref name="replyType"/>), directly or
    /// through a task, that answers the client's request.
    /// </summary>
    private CallbackReturn? ClassifyMessageReturn(IMethodSymbol method, out ITypeSymbol? replyType)
    {
        replyType = null;
        var returnType = method.ReturnType;
        if (method.ReturnsVoid || returnType.TypeKind == TypeKind.Error || KnownTypeSymbols.Is(returnType, known.Task) || KnownTypeSymbols.Is(returnType, known.ValueTask))
        {
            return ClassifyReturn(method);
        }
        if (IsTaskOfT(returnType, out var isValueTask))
        {
            replyType = ((INamedTypeSymbol)returnType).TypeArguments[0];
            if (replyType.TypeKind == TypeKind.Error)
            {
                HasUnresolvedTypes = true;
                return null;
            }
            return isValueTask ? CallbackReturn.ValueTaskOfReply : CallbackReturn.TaskOfReply;
        }
        replyType = returnType;
        return CallbackReturn.Reply;
    }

    /// <summary>What a callback other than OnOpen returns: nothing, or a task to wait for.</summary>
    private CallbackReturn? ClassifyReturn(IMethodSymbol method) => Classify(method, returnsState: false, out _);

    /// <summary>What OnOpen returns: nothing, a task, or the state (directly or through a task) the other callbacks take.</summary>
    private CallbackReturn? ClassifyOpenReturn(IMethodSymbol method, out ITypeSymbol? stateType) => Classify(method, returnsState: true, out stateType);

    private CallbackReturn? Classify(IMethodSymbol method, bool returnsState, out ITypeSymbol? stateType)
    {
        stateType = null;
        if (method.ReturnsVoid) return CallbackReturn.Void;
        var returnType = method.ReturnType;
        if (returnType.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        if (KnownTypeSymbols.Is(returnType, known.Task)) return CallbackReturn.Task;
        if (KnownTypeSymbols.Is(returnType, known.ValueTask)) return CallbackReturn.ValueTask;
        var isTaskOfT = IsTaskOfT(returnType, out var isValueTask);
        if (!returnsState)
        {
            var advice = isTaskOfT ? DiagnosticDescriptors.Advice.ResultIgnored(method.Name) : DiagnosticDescriptors.Advice.ReturnVoidOrTask(method.Name);
            ReportReturnType(method, returnType, advice);
            return null;
        }
        if (isTaskOfT)
        {
            stateType = ((INamedTypeSymbol)returnType).TypeArguments[0];
            if (stateType.TypeKind == TypeKind.Error) HasUnresolvedTypes = true;
            return isValueTask ? CallbackReturn.ValueTaskOfState : CallbackReturn.TaskOfState;
        }
        if (returnType.IsRefLikeType || returnType.TypeKind == TypeKind.Pointer)
        {
            ReportReturnType(method, returnType, DiagnosticDescriptors.Advice.StateAField);
            return null;
        }
        stateType = returnType;
        return CallbackReturn.State;
    }

    private void ReportReturnType(IMethodSymbol method, ITypeSymbol returnType, string advice)
        => diagnostics.Report(DiagnosticDescriptors.UnsupportedReturnType, SyntaxLocations.ReturnType(method, cancellationToken), method.Name,
            Symbols.Display(returnType), advice);

    private bool IsTaskOfT(ITypeSymbol type, out bool isValueTask)
    {
        isValueTask = KnownTypeSymbols.IsConstructedFrom(type, known.ValueTaskOfT);
        return isValueTask || KnownTypeSymbols.IsConstructedFrom(type, known.TaskOfT);
    }

    private ArgumentSpec? BindParameter(IParameterSymbol parameter, IMethodSymbol method, CallbackKind kind, ITypeSymbol? stateType, MessageKind? expected,
        IParameterSymbol? message)
    {
        var type = parameter.Type;
        if (type.TypeKind == TypeKind.Error)
        {
            HasUnresolvedTypes = true;
            return null;
        }
        if (parameter.RefKind != RefKind.None)
        {
            var (modifier, keyword) = parameter.RefKind switch
            {
                RefKind.Ref => ("ref", SyntaxKind.RefKeyword),
                RefKind.Out => ("out", SyntaxKind.OutKeyword),
                _ => ("in", SyntaxKind.InKeyword),
            };
            diagnostics.Report(DiagnosticDescriptors.ByRefParameter, SyntaxLocations.Modifier(parameter, keyword, cancellationToken),
                parameter.Name, method.Name, modifier);
            return null;
        }

        if (RequestValueAttribute(parameter) is { } fromRequest) return BindRequestValue(parameter, method, fromRequest.Source, fromRequest.Key);
        if (HasFromServices(parameter))
        {
            if (Symbols.IsOptional(parameter)) return new ArgumentSpec(ArgumentSource.OptionalService, ServiceTypeName(type));
            _requiredServices.Add(new RequiredServiceSpec(ServiceTypeName(type), $"[FromServices] parameter '{parameter.Name}' of {method.Name}"));
            return new ArgumentSpec(ArgumentSource.Service, ServiceTypeName(type));
        }

        if (ConnectionValue(type, kind) is { } connectionValue)
        {
            // One value of the connection, so one parameter for it: a second one is a mistake (a token of its own, another connection).
            var first = method.Parameters.TakeWhile(p => !SymbolEqualityComparer.Default.Equals(p, parameter))
                .FirstOrDefault(p => p.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(p.Type, type)
                                     && RequestValueAttribute(p) is null && !HasFromServices(p));
            if (first is null) return new ArgumentSpec(connectionValue.Source, "");
            // The code fix removes the parameter and hands its uses the one that takes the value (the same value).
            diagnostics.ReportWithSuggestion(DiagnosticDescriptors.ConnectionValueTakenTwice, SyntaxLocations.Parameter(parameter, cancellationToken), first.Name,
                parameter.Name, method.Name, Symbols.Display(type), connectionValue.What, first.Name);
            return null;
        }

        if (message is not null && SymbolEqualityComparer.Default.Equals(parameter, message) && expected!.Matches(type, known, out var messageSource))
        {
            return new ArgumentSpec(messageSource, "");
        }
        var route = routeParameters.FirstOrDefault(r => string.Equals(r.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
        if (route is not null)
        {
            _routeNamesTaken.Add(route.Name);
            return BindRequestValue(parameter, method, RequestValueSource.Route, route.Name, route);
        }
        // Anything else in a later callback is the connection's state, which must be what OnOpen returns.
        if (kind != CallbackKind.Open && stateType is not null && SymbolEqualityComparer.Default.Equals(type, stateType))
        {
            return BindState(parameter, method, stateType);
        }
        if (expected is not null && message is not null && expected.Matches(type, known, out _))
        {
            diagnostics.Report(DiagnosticDescriptors.SecondMessageParameter, SyntaxLocations.Parameter(parameter, cancellationToken),
                parameter.Name, method.Name, expected.Display, expected.Noun, message.Name,
                kind is CallbackKind.Text or CallbackKind.Binary
                    ? DiagnosticDescriptors.Advice.RemoveOrBindFromRequest(parameter.Name)
                    : DiagnosticDescriptors.Advice.Remove(parameter.Name));
            return null;
        }
        if (expected is not null && message is null && LooksLikeMessage(type, kind))
        {
            diagnostics.ReportWithSuggestion(DiagnosticDescriptors.WrongMessageType, SyntaxLocations.ParameterType(parameter, cancellationToken),
                expected.SuggestFullNameFor(type, known), parameter.Name, method.Name, Symbols.Display(type), expected.What, expected.Accepted,
                expected.SuggestFor(type, known), WrongTypeHint(parameter, kind));
            return null;
        }
        if (kind != CallbackKind.Open && LooksLikeState(type))
        {
            if (stateType is null)
            {
                diagnostics.Report(DiagnosticDescriptors.StateWithoutState, SyntaxLocations.Parameter(parameter, cancellationToken), parameter.Name,
                    method.Name, Symbols.Display(type),
                    onOpen is null ? DiagnosticDescriptors.Advice.NoOnOpen : DiagnosticDescriptors.Advice.OnOpenReturnsNothing);
                return null;
            }
            diagnostics.ReportRelated(DiagnosticDescriptors.StateTypeMismatch, SyntaxLocations.ParameterType(parameter, cancellationToken),
                new[] { onOpen is null ? null : SyntaxLocations.ReturnType(onOpen, cancellationToken) }, Symbols.FullName(stateType, keepNullable: true),
                parameter.Name, method.Name, Symbols.Display(type), Symbols.Display(stateType));
            return null;
        }
        if (kind == CallbackKind.InvalidMessage && (MessageKind.Of(CallbackKind.Text)!.Matches(type, known, out _) || LooksLikeMessage(type, CallbackKind.Text)))
        {
            ReportInvalidMessageAsText(parameter, method);
            return null;
        }
        if (!routeKnown && IsRouteValueType(type)) return null;
        diagnostics.Report(DiagnosticDescriptors.ParameterCannotBeBound, SyntaxLocations.Parameter(parameter, cancellationToken),
            parameter.Name, method.Name, CannotBindAdvice(parameter, kind, stateType));
        return null;
    }

    /// <summary>
    /// WS0002 for OnInvalidMessage taking the text (a string, bytes, a reader): it is told why the text was not a typed
    /// message, never the text, and not a route value either, as the general advice for a string would say.
    /// </summary>
    private void ReportInvalidMessageAsText(IParameterSymbol parameter, IMethodSymbol method)
    {
        var location = SyntaxLocations.Parameter(parameter, cancellationToken);
        var taken = method.Parameters.FirstOrDefault(p => KnownTypeSymbols.Is(p.Type, known.InvalidMessage));
        if (taken is not null)
        {
            diagnostics.Report(DiagnosticDescriptors.ParameterCannotBeBound, location, parameter.Name, method.Name,
                DiagnosticDescriptors.Advice.InvalidMessageTakenTwice(taken.Name));
            return;
        }
        diagnostics.ReportRelated(DiagnosticDescriptors.ParameterCannotBeBound, location, [], known.InvalidMessage is { } invalid ? Symbols.FullName(invalid) : null,
            parameter.Name, method.Name, DiagnosticDescriptors.Advice.TakeInvalidMessage);
    }

    /// <summary>A value there is one of per connection (or per invalid message), with what it is in words.</summary>
    private (ArgumentSource Source, string What)? ConnectionValue(ITypeSymbol type, CallbackKind kind)
    {
        if (KnownTypeSymbols.Is(type, known.Connection)) return (ArgumentSource.Connection, DiagnosticDescriptors.Advice.TheConnection);
        if (KnownTypeSymbols.Is(type, known.HttpContext)) return (ArgumentSource.HttpContext, DiagnosticDescriptors.Advice.TheHttpContext);
        if (KnownTypeSymbols.Is(type, known.CancellationToken)) return (ArgumentSource.CancellationToken, DiagnosticDescriptors.Advice.TheLifetimeToken);
        if (KnownTypeSymbols.Is(type, known.ClaimsPrincipal)) return (ArgumentSource.User, DiagnosticDescriptors.Advice.TheUser);
        if (kind == CallbackKind.InvalidMessage && KnownTypeSymbols.Is(type, known.InvalidMessage))
        {
            return (ArgumentSource.InvalidMessage, DiagnosticDescriptors.Advice.WhyNotATypedMessage);
        }
        return null;
    }

    private bool IsRouteValueType(ITypeSymbol type)
    {
        var underlying = Symbols.IsNullableValueType(type, out var inner) ? inner! : type;
        return underlying.SpecialType != SpecialType.None || underlying.TypeKind == TypeKind.Enum
               || HasTryParse(underlying, withFormatProvider: true) || HasTryParse(underlying, withFormatProvider: false);
    }

    /// <summary>The state, checked for nullability: state that may be null handed to a parameter that may not is a warning.</summary>
    private ArgumentSpec? BindState(IParameterSymbol parameter, IMethodSymbol method, ITypeSymbol stateType)
    {
        var type = parameter.Type;
        var related = new[] { onOpen is null ? null : SyntaxLocations.ReturnType(onOpen, cancellationToken) };
        if (!NestedNullabilityMatches(stateType, type))
        {
            diagnostics.ReportRelated(DiagnosticDescriptors.StateTypeMismatch, SyntaxLocations.ParameterType(parameter, cancellationToken), related,
                Symbols.FullName(stateType, keepNullable: true), parameter.Name, method.Name, Symbols.Display(type), Symbols.Display(stateType));
            return null;
        }
        var stateMayBeNull = !stateType.IsValueType && stateType.NullableAnnotation == NullableAnnotation.Annotated;
        if (stateMayBeNull && type.NullableAnnotation == NullableAnnotation.NotAnnotated)
        {
            diagnostics.ReportRelated(DiagnosticDescriptors.NullableStateMismatch, SyntaxLocations.ParameterType(parameter, cancellationToken), related,
                Symbols.FullName(stateType, keepNullable: true), Symbols.Display(stateType), parameter.Name, method.Name, Symbols.Display(type));
            _stateParameters.Add((method, parameter));
            return new ArgumentSpec(ArgumentSource.State, "!");
        }
        _stateParameters.Add((method, parameter));
        return new ArgumentSpec(ArgumentSource.State, "");
    }

    /// <summary>Whether type arguments agree on nullability (oblivious ones agree with anything): generics are invariant.</summary>
    private static bool NestedNullabilityMatches(ITypeSymbol state, ITypeSymbol parameter)
    {
        if (state is IArrayTypeSymbol stateArray && parameter is IArrayTypeSymbol parameterArray)
        {
            return Agrees(stateArray.ElementType, parameterArray.ElementType)
                   && NestedNullabilityMatches(stateArray.ElementType, parameterArray.ElementType);
        }
        if (state is not INamedTypeSymbol { IsGenericType: true } stateNamed
            || parameter is not INamedTypeSymbol { IsGenericType: true } parameterNamed) return true;
        for (var i = 0; i < stateNamed.TypeArguments.Length && i < parameterNamed.TypeArguments.Length; i++)
        {
            var a = stateNamed.TypeArguments[i];
            var b = parameterNamed.TypeArguments[i];
            if (!Agrees(a, b) || !NestedNullabilityMatches(a, b)) return false;
        }
        return true;

        static bool Agrees(ITypeSymbol a, ITypeSymbol b)
            => a.IsValueType || a.NullableAnnotation == NullableAnnotation.None || b.NullableAnnotation == NullableAnnotation.None
               || a.NullableAnnotation == b.NullableAnnotation;
    }

    /// <summary>A type of the app's own (a class, record or struct declared in source): what state usually is.</summary>
    private bool LooksLikeState(ITypeSymbol type)
        => type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
           && named.Locations.Any(static location => location.IsInSource)
           && !KnownTypeSymbols.DerivesFrom(named, known.Exception);

    /// <summary>What to do with a parameter nothing binds, said for what its type most likely is.</summary>
    private string CannotBindAdvice(IParameterSymbol parameter, CallbackKind kind, ITypeSymbol? stateType)
    {
        var type = parameter.Type;
        if (KnownTypeSymbols.Is(type, known.WebSocket)) return DiagnosticDescriptors.Advice.RawWebSocket;
        if (KnownTypeSymbols.IsOrDerivesFrom(type, known.Exception))
        {
            return kind == CallbackKind.Close
                ? DiagnosticDescriptors.Advice.ExceptionInOnClose
                : DiagnosticDescriptors.Advice.ExceptionOutsideOnError(CallbackNames.Of(kind));
        }
        if (KnownTypeSymbols.Is(type, known.CloseInfo)) return DiagnosticDescriptors.Advice.CloseInfoOutsideOnClose(CallbackNames.Of(kind));
        if (IsRouteValueType(type)) return DiagnosticDescriptors.Advice.AddRouteValue(pattern, parameter.Name);
        return DiagnosticDescriptors.Advice.NotAConnectionValue(Symbols.Display(type), stateType is null ? null : Symbols.Display(stateType));
    }

    private string WrongTypeHint(IParameterSymbol parameter, CallbackKind kind)
        => kind == CallbackKind.Error && KnownTypeSymbols.DerivesFrom(parameter.Type, known.Exception)
            ? DiagnosticDescriptors.Advice.TestTheException(parameter.Name, Symbols.Display(parameter.Type))
            : "";

    /// <summary>Types people reach for when they mean the message, but that the callback does not receive it as.</summary>
    private bool LooksLikeMessage(ITypeSymbol type, CallbackKind kind) => kind switch
    {
        CallbackKind.Text => IsChars(type) || MessageKind.IsBytes(type, known)
            || KnownTypeSymbols.IsOrDerivesFrom(type, known.Stream) || KnownTypeSymbols.DerivesFrom(type, known.TextReader),
        CallbackKind.Binary => MessageKind.IsBytes(type, known) || type.SpecialType == SpecialType.System_String
            || KnownTypeSymbols.DerivesFrom(type, known.Stream) || KnownTypeSymbols.IsOrDerivesFrom(type, known.TextReader),
        CallbackKind.Close => KnownTypeSymbols.Is(Symbols.IsNullableValueType(type, out var inner) ? inner : type, known.WebSocketCloseStatus),
        CallbackKind.Error => KnownTypeSymbols.DerivesFrom(type, known.Exception),
        _ => false,
    };

    // ReadOnlySpan<char>, ReadOnlyMemory<char> or char[]: text, but not as a string.
    private bool IsChars(ITypeSymbol type)
        => type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Char }
           || KnownTypeSymbols.IsConstructedFrom(type, known.ReadOnlySpanOfT, SpecialType.System_Char)
           || KnownTypeSymbols.IsConstructedFrom(type, known.ReadOnlyMemoryOfT, SpecialType.System_Char);

    private ArgumentSpec? BindRequestValue(IParameterSymbol parameter, IMethodSymbol method, RequestValueSource source, string key,
        RouteParameter? route = null)
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
            diagnostics.Report(DiagnosticDescriptors.ParameterCannotBeBound, SyntaxLocations.ParameterType(parameter, cancellationToken), parameter.Name,
                method.Name, DiagnosticDescriptors.Advice.NoTryParse(RequestValueText.Describe(source), key, Symbols.Display(type)));
            return null;
        }
        if (route is { IsOptional: true } && !optional)
        {
            var nullable = Symbols.Display(type) + "?";
            diagnostics.ReportWithSuggestion(DiagnosticDescriptors.OptionalRouteValueNotNullable, SyntaxLocations.ParameterType(parameter, cancellationToken),
                Symbols.FullName(type) + "?", route.Name, parameter.Name, method.Name, Symbols.Display(type), nullable);
        }

        var typeName = Symbols.FullName(type);
        foreach (var existing in _requestValues)
        {
            if (existing.Source == source && existing.Key == key && existing.TypeName == typeName)
            {
                return new ArgumentSpec(ArgumentSource.RequestValue, existing.VariableName);
            }
        }
        var variable = source.ToString().ToLowerInvariant() + "_" + CSharpText.Identifier(key);
        var sameName = _requestValues.Count(existing => existing.VariableName == variable
                                                        || existing.VariableName.StartsWith(variable + "_", StringComparison.Ordinal));
        if (sameName > 0) variable += "_" + (sameName + 1).ToString(CultureInfo.InvariantCulture);
        _requestValues.Add(new RequestValueSpec(source, key, variable, typeName, Symbols.FullName(parsedType), parse, optional));
        return new ArgumentSpec(ArgumentSource.RequestValue, variable);
    }

    private bool HasTryParse(ITypeSymbol type, bool withFormatProvider)
    {
        foreach (var member in type.GetMembers("TryParse"))
        {
            if (member is not IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public } method) continue;
            if (method.ReturnType.SpecialType != SpecialType.System_Boolean) continue;
            var parameters = method.Parameters;
            var expected = withFormatProvider ? 3 : 2;
            if (parameters.Length != expected) continue;
            if (parameters[0].Type.SpecialType != SpecialType.System_String) continue;
            if (withFormatProvider && !KnownTypeSymbols.Is(parameters[1].Type, known.FormatProvider)) continue;
            var result = parameters[expected - 1];
            if (result.RefKind == RefKind.Out && SymbolEqualityComparer.Default.Equals(result.Type, type)) return true;
        }
        return false;
    }

    /// <summary>[FromQuery] or [FromHeader] on the parameter, with the key it names (the parameter's name by default).</summary>
    private (RequestValueSource Source, string Key)? RequestValueAttribute(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass) continue;
            RequestValueSource? source = null;
            if (KnownTypeSymbols.Implements(attributeClass, known.FromQueryMetadata)) source = RequestValueSource.Query;
            else if (KnownTypeSymbols.Implements(attributeClass, known.FromHeaderMetadata)) source = RequestValueSource.Header;
            if (source is null) continue;
            var key = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string;
            return (source.Value, string.IsNullOrEmpty(key) ? parameter.Name : key!);
        }
        return null;
    }

    private bool HasFromServices(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass) continue;
            // By name too: MVC's [FromServices] before IFromServiceMetadata existed, and look-alikes of other frameworks.
            if (attributeClass.Name == KnownTypes.FromServicesAttributeName || KnownTypeSymbols.Implements(attributeClass, known.FromServiceMetadata))
            {
                return true;
            }
        }
        return false;
    }

    public static string ServiceTypeName(ITypeSymbol type)
        => Symbols.IsNullableValueType(type, out var underlying) ? Symbols.FullName(underlying!) : Symbols.FullName(type);
}

/// <summary>
/// What a callback receives as its message (or close information, or exception), and how to talk about it. A message
/// may also be taken as a stream (<c>Stream</c>, <c>TextReader</c>) to read it while it arrives.
/// </summary>
/// <param name="isMessage">Whether a type is the message's usual type.</param>
/// <param name="fullName">That type as the code fix writes it.</param>
/// <param name="isStream">Whether a type is the streamed form, if there is one.</param>
internal sealed class MessageKind(Func<KnownTypeSymbols, ITypeSymbol, bool> isMessage, string fullName, string display, string noun, string parameter,
    ArgumentSource source, Func<KnownTypeSymbols, ITypeSymbol, bool>? isStream = null, string? streamFullName = null, string? streamDisplay = null,
    ArgumentSource streamSource = default, bool asUtf8 = false)
{
    private const string ReadOnlyMemoryOfByte = "global::System.ReadOnlyMemory<byte>";

    // Text may also be taken as its UTF-8 bytes, undecoded (to relay it without a string).
    private static readonly MessageKind s_text = new(static (_, t) => t.SpecialType == SpecialType.System_String, "string", "string", "message", "string text",
        ArgumentSource.TextMessage, static (k, t) => KnownTypeSymbols.Is(t, k.TextReader), "global::System.IO.TextReader", "TextReader",
        ArgumentSource.TextStream, asUtf8: true);
    private static readonly MessageKind s_binary = new(static (k, t) => k.IsReadOnlyMemoryOfByte(t), ReadOnlyMemoryOfByte, "ReadOnlyMemory<byte>", "message",
        "ReadOnlyMemory<byte> data", ArgumentSource.BinaryMessage, static (k, t) => KnownTypeSymbols.Is(t, k.Stream), "global::System.IO.Stream", "Stream",
        ArgumentSource.BinaryStream);
    private static readonly MessageKind s_close = new(static (k, t) => KnownTypeSymbols.Is(t, k.CloseInfo), "global::Endpoints.WebSocketCloseInfo",
        "WebSocketCloseInfo", "close information", "WebSocketCloseInfo close", ArgumentSource.CloseInfo);
    private static readonly MessageKind s_error = new(static (k, t) => KnownTypeSymbols.Is(t, k.Exception), "global::System.Exception", "Exception",
        "exception", "Exception error", ArgumentSource.Exception);

    /// <summary>The type as the user writes it.</summary>
    public string Display { get; } = display;

    /// <summary>The streamed form's type as the user writes it, if there is one.</summary>
    public string? StreamDisplay { get; } = streamDisplay;

    /// <summary>The types it may be taken as, in words ("string, or TextReader to read it while it arrives").</summary>
    public string Accepted => DiagnosticDescriptors.Advice.AcceptedMessageTypes(Display, StreamDisplay, asUtf8);

    /// <summary>What it is, in words ("message").</summary>
    public string Noun { get; } = noun;

    /// <summary>What it is, with its article ("the message").</summary>
    public string What => "the " + Noun;

    /// <summary>A parameter declaration that takes it.</summary>
    public string Parameter { get; } = parameter;

    /// <summary>Whether a parameter of <paramref name="type"/> takes it, and as what.</summary>
    public bool Matches(ITypeSymbol type, KnownTypeSymbols known, out ArgumentSource bound)
    {
        if (isMessage(known, type))
        {
            bound = source;
            return true;
        }
        if (isStream is not null && isStream(known, type))
        {
            bound = streamSource;
            return true;
        }
        if (asUtf8 && known.IsReadOnlyMemoryOfByte(type))
        {
            bound = ArgumentSource.TextUtf8;
            return true;
        }
        bound = default;
        return false;
    }

    /// <summary>
    /// The type to change a wrong parameter to: the streamed form for a stream or reader of any kind, the UTF-8 form for
    /// other bytes, else the usual one.
    /// </summary>
    public string SuggestFor(ITypeSymbol wrong, KnownTypeSymbols known)
        => StreamDisplay is not null && IsStreamLike(wrong, known) ? StreamDisplay : asUtf8 && IsBytes(wrong, known) ? "ReadOnlyMemory<byte>" : Display;

    /// <summary>The same, <c>global::</c>-qualified, for the code fix.</summary>
    public string SuggestFullNameFor(ITypeSymbol wrong, KnownTypeSymbols known)
        => streamFullName is not null && IsStreamLike(wrong, known) ? streamFullName : asUtf8 && IsBytes(wrong, known) ? ReadOnlyMemoryOfByte : fullName;

    /// <summary>
    /// Bytes other than the <c>ReadOnlyMemory&lt;byte&gt;</c> a message comes in: <c>byte[]</c>,
    /// <c>ReadOnlySpan&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>, <c>ArraySegment&lt;byte&gt;</c>.
    /// </summary>
    public static bool IsBytes(ITypeSymbol type, KnownTypeSymbols known)
        => type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }
           || KnownTypeSymbols.IsConstructedFrom(type, known.ReadOnlySpanOfT, SpecialType.System_Byte)
           || KnownTypeSymbols.IsConstructedFrom(type, known.MemoryOfT, SpecialType.System_Byte)
           || KnownTypeSymbols.IsConstructedFrom(type, known.ArraySegmentOfT, SpecialType.System_Byte);

    private static bool IsStreamLike(ITypeSymbol type, KnownTypeSymbols known)
        => KnownTypeSymbols.IsOrDerivesFrom(type, known.Stream) || KnownTypeSymbols.IsOrDerivesFrom(type, known.TextReader);

    public static MessageKind? Of(CallbackKind kind) => kind switch
    {
        CallbackKind.Text => s_text,
        CallbackKind.Binary => s_binary,
        CallbackKind.Close => s_close,
        CallbackKind.Error => s_error,
        _ => null,
    };
}
