using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Turns one <c>[WebSocketEndpoint]</c> class into an <see cref="EndpointSpec"/>, or into diagnostics that say what
/// to change. All validation happens here (the constructor through <see cref="ConstructorParser"/>, callbacks through
/// <see cref="CallbackBinder"/>); the emitter trusts the spec. One mistake gives one diagnostic: a check that
/// failed stops the checks that would only repeat it.
/// </summary>
internal sealed class EndpointParser
{
    private static readonly CallbackKind[] s_afterOpen = { CallbackKind.Text, CallbackKind.Binary, CallbackKind.Close, CallbackKind.Error };

    // Every OnMessage: unlike the other callbacks, one per message type.
    private readonly List<IMethodSymbol> _onMessages = new();

    // Callbacks reported as only an interface's (WS0061): the class is not without callbacks (WS0001), they are in the wrong place.
    private int _interfaceOnlyCallbacks;

    // Where the typed messages' types are named: beside the spec, for WS0050.
    private readonly List<MessageTypeUse> _messageTypeUses = new();

    // The typed messages' types by full name: the AsyncAPI document reads their shapes (ContractReader).
    private readonly Dictionary<string, ITypeSymbol> _messageTypes = new(StringComparer.Ordinal);

    private readonly ISymbol _target;
    private readonly AttributeData _attribute;
    private readonly Compilation _compilation;
    // The checks that read callbacks' bodies (buffers that escape, struct state changed) need it; null when only the
    // contract is read (a typed client's generator, which may meet the endpoint in metadata).
    private readonly SemanticModel? _model;
    private readonly CancellationToken _cancellationToken;
    private readonly DiagnosticList _diagnostics = new();

    private EndpointParser(ISymbol target, AttributeData attribute, Compilation compilation, SemanticModel? model, CancellationToken cancellationToken)
    {
        _target = target;
        _attribute = attribute;
        _compilation = compilation;
        _model = model;
        _cancellationToken = cancellationToken;
    }

    public static EndpointParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        => new EndpointParser(context.TargetSymbol, context.Attributes[0], context.SemanticModel.Compilation, context.SemanticModel, cancellationToken).Parse();

    /// <summary>
    /// The contract of the endpoint class <paramref name="type"/> (in source or in metadata) as seen from
    /// <paramref name="compilation"/>: what a typed client needs. Null when the class is not an endpoint, or has errors
    /// (its own project reports them).
    /// </summary>
    public static EndpointParseResult? ReadContract(INamedTypeSymbol type, INamedTypeSymbol endpointAttribute, Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, endpointAttribute)) continue;
            return new EndpointParser(type, attribute, compilation, null, cancellationToken).Parse();
        }
        return null;
    }

    private EndpointParseResult Parse()
    {
        var attribute = _attribute;
        // A half-typed attribute has no pattern yet: the compiler reports that, and nothing is generated.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string pattern) return EndpointParseResult.Nothing;
        if (_target is not INamedTypeSymbol { TypeKind: TypeKind.Class } type)
        {
            ReportNotAClass(_target);
            return Result(null, null);
        }

        var patternSyntax = PatternSyntax(attribute);
        var displayName = Symbols.FullName(type).Substring("global::".Length);
        var route = ParsePattern(type, pattern, patternSyntax, displayName, out var routeInfo);
        var settings = AttributeSettings.Read(attribute, _diagnostics, _cancellationToken);

        if (!CheckClass(type)) return Result(null, routeInfo);
        var known = KnownTypeSymbols.For(_compilation);
        var constructors = new ConstructorParser(type, route.Parameters, known, _diagnostics, _cancellationToken);
        var constructorServices = constructors.ParseConstructor(out var constructor);
        var requiredMembers = constructors.ParseRequiredMembers(constructor);

        var methods = FindCallbacks(type);
        ReportTypos(type, methods);
        _cancellationToken.ThrowIfCancellationRequested();

        // A callback whose parameter types are still unknown may be a streamed one: nothing is said then.
        if (!methods.Values.Any(static m => m.Parameters.Any(static p => p.Type.TypeKind == TypeKind.Error)))
        {
            settings.CheckStreamedLimit(attribute, type.Name, HasStreamedCallback(methods, known), _diagnostics, _cancellationToken);
        }

        methods.TryGetValue(CallbackKind.Open, out var open);
        var binder = new CallbackBinder(pattern, route.Parameters, route.Error is null, open, known, _diagnostics, _cancellationToken);
        ITypeSymbol? stateType = null;
        var callbacks = new Dictionary<CallbackKind, CallbackSpec?>();
        if (open is not null) callbacks[CallbackKind.Open] = binder.BindOpen(open, out stateType);
        foreach (var kind in s_afterOpen)
        {
            if (methods.TryGetValue(kind, out var method)) callbacks[kind] = binder.Bind(method, kind, stateType);
        }
        methods.TryGetValue(CallbackKind.InvalidMessage, out var onInvalidMessage);
        methods.TryGetValue(CallbackKind.Text, out var onTextMethod);
        var typed = TypedMessageParser.Parse(type, attribute, _onMessages, onInvalidMessage, onTextMethod, binder, stateType, known, _diagnostics,
            _messageTypeUses, _messageTypes, _cancellationToken);
        if (typed is not null) ContractShapeCheck.Run(typed, _messageTypeUses, _messageTypes, known, _diagnostics, _cancellationToken);
        if (_model is not null && methods.TryGetValue(CallbackKind.Binary, out var onBinary))
        {
            BufferEscapeCheck.Run(onBinary, CallbackKind.Binary, _model, known, _diagnostics, _cancellationToken);
        }
        if (_model is not null && methods.TryGetValue(CallbackKind.Text, out var onText))
        {
            BufferEscapeCheck.Run(onText, CallbackKind.Text, _model, known, _diagnostics, _cancellationToken);
        }

        if (_model is not null && stateType is { IsValueType: true })
        {
            foreach (var (method, parameter) in binder.StateParameters)
            {
                StructStateCheck.Run(method, parameter, stateType, _model, _diagnostics, _cancellationToken);
            }
        }

        if (route.Error is null && methods.Count > 0)
        {
            foreach (var parameter in route.Parameters)
            {
                if (binder.TakesRouteValue(parameter.Name) || constructors.RouteValuesReported.Contains(parameter.Name)) continue;
                _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.UnusedRouteParameter, InsidePattern(patternSyntax, parameter), parameter.Name, parameter.Name, type.Name);
            }
        }

        // An endpoint with errors emits no code: the diagnostics say what to fix.
        if (constructorServices is null || constructors.HasUnresolvedTypes || binder.HasUnresolvedTypes || _diagnostics.HasErrors) return Result(null, routeInfo);

        var spec = new EndpointSpec(
            TypeName: Symbols.FullName(type),
            DisplayName: displayName,
            Identifier: CSharpText.Identifier(displayName),
            Pattern: pattern,
            MaxMessageSize: settings.MaxMessageSize,
            MaxStreamedMessageSize: settings.MaxStreamedMessageSize,
            SubProtocols: settings.SubProtocols,
            AllowedOrigins: settings.AllowedOrigins,
            EnableCompression: settings.EnableCompression,
            Metadata: AttributeRenderer.EndpointMetadata(type).ToEquatableArray(),
            ConstructorServices: constructorServices.ToEquatableArray(),
            RequiredMembers: requiredMembers.ToEquatableArray(),
            RequiredServices: constructors.RequiredServices.Concat(binder.RequiredServices).ToEquatableArray(),
            RequestValues: binder.RequestValues.ToEquatableArray(),
            StateType: stateType is null ? null : Symbols.FullName(stateType, keepNullable: true),
            OnOpen: Get(CallbackKind.Open),
            OnText: Get(CallbackKind.Text),
            OnBinary: Get(CallbackKind.Binary),
            OnClose: Get(CallbackKind.Close),
            OnError: Get(CallbackKind.Error),
            Typed: typed,
            Resumable: settings.Resumable);
        return Result(spec, routeInfo, ContractReader.Read(type, spec, route, _messageTypes, known, _cancellationToken));

        CallbackSpec? Get(CallbackKind kind) => callbacks.TryGetValue(kind, out var callback) ? callback : null;
    }

    /// <summary>Whether OnBinary takes a Stream or OnText a TextReader: a message read while it arrives.</summary>
    private static bool HasStreamedCallback(Dictionary<CallbackKind, IMethodSymbol> methods, KnownTypeSymbols known)
        => (methods.TryGetValue(CallbackKind.Binary, out var binary) && binary.Parameters.Any(p => KnownTypeSymbols.IsOrDerivesFrom(p.Type, known.Stream)))
           || (methods.TryGetValue(CallbackKind.Text, out var text) && text.Parameters.Any(p => KnownTypeSymbols.IsOrDerivesFrom(p.Type, known.TextReader)));

    private EndpointParseResult Result(EndpointSpec? spec, RouteInfo? route, EndpointContract? contract = null)
        => new(spec, _diagnostics.ToImmutableArray(), route, spec?.Typed is null ? default : _messageTypeUses.ToImmutableArray(), contract);

    private void ReportNotAClass(ISymbol target)
    {
        var (what, advice) = target switch
        {
            IMethodSymbol => (DiagnosticDescriptors.Advice.AMethod, DiagnosticDescriptors.Advice.PutOnTheClass),
            INamedTypeSymbol { TypeKind: TypeKind.Interface } => (DiagnosticDescriptors.Advice.AnInterface, DiagnosticDescriptors.Advice.PutOnAnImplementation),
            INamedTypeSymbol { IsRecord: true } => (DiagnosticDescriptors.Advice.ARecordStruct, DiagnosticDescriptors.Advice.DeclareARecord),
            INamedTypeSymbol { TypeKind: TypeKind.Struct } => (DiagnosticDescriptors.Advice.AStruct, DiagnosticDescriptors.Advice.DeclareAClass),
            _ => (DiagnosticDescriptors.Advice.NotAClass, DiagnosticDescriptors.Advice.PutOnAClass),
        };
        _diagnostics.Report(DiagnosticDescriptors.NotAClass, SyntaxLocations.Declaration(target, _cancellationToken), target.Name, what, advice);
    }

    private RoutePattern ParsePattern(INamedTypeSymbol type, string pattern, ExpressionSyntax? syntax, string displayName, out RouteInfo? route)
    {
        route = null;
        var location = syntax?.GetLocation();
        if (pattern.Trim().Length == 0)
        {
            _diagnostics.Report(DiagnosticDescriptors.EmptyPattern, location, type.Name);
            return RoutePattern.Unreadable(pattern);
        }
        if (PathOfUrl(pattern) is { } path)
        {
            // A whole URL: its path is the pattern. Checked before the leading '/' so that the advice is the path.
            _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.PatternWithoutLeadingSlash, location, path,
                pattern, DiagnosticDescriptors.Advice.IsAUrl, path);
            return RoutePattern.Parse(path);
        }
        if (!pattern.StartsWith("/", StringComparison.Ordinal) && !pattern.StartsWith("~/", StringComparison.Ordinal))
        {
            _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.PatternWithoutLeadingSlash, location, "/" + pattern, pattern,
                DiagnosticDescriptors.Advice.NoLeadingSlash, "/" + pattern);
            return RoutePattern.Parse("/" + pattern);
        }
        var parsed = RoutePattern.Parse(pattern);
        if (parsed.Error is not null)
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidPattern, location, pattern, parsed.Error);
            return parsed;
        }
        foreach (var parameter in parsed.Parameters)
        {
            foreach (var constraint in parameter.Constraints)
            {
                if (Array.IndexOf(RoutePattern.KnownConstraints, constraint) >= 0) continue;
                var closest = RoutePattern.KnownConstraints.OrderBy(known => CallbackNames.Distance(known, constraint)).First();
                _diagnostics.Report(DiagnosticDescriptors.UnknownRouteConstraint, InsidePattern(syntax, parameter), constraint,
                    string.Join(", ", RoutePattern.KnownConstraints), pattern, closest);
            }
        }
        route = new RouteInfo(displayName, pattern, parsed.MatchKey, location);
        return parsed;
    }

    /// <summary>The path of <c>ws://host:port/path?query</c> (as written, braces and all), or null when the pattern is not a URL.</summary>
    private static string? PathOfUrl(string pattern)
    {
        var scheme = pattern.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0) return null;
        var name = pattern.Substring(0, scheme).ToLowerInvariant();
        if (name is not ("ws" or "wss" or "http" or "https")) return null;
        var slash = pattern.IndexOf('/', scheme + 3);
        if (slash < 0) return "/";
        var query = pattern.IndexOf('?', slash);
        return query < 0 ? pattern.Substring(slash) : pattern.Substring(slash, query - slash);
    }

    private ExpressionSyntax? PatternSyntax(AttributeData attribute)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
        return syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null && a.NameColon is null)?.Expression
               ?? syntax?.ArgumentList?.Arguments.FirstOrDefault()?.Expression;
    }

    /// <summary>The <c>{name}</c> of a route parameter inside the pattern's string literal, when the literal is written plainly.</summary>
    private static Location? InsidePattern(ExpressionSyntax? syntax, RouteParameter parameter)
    {
        if (syntax is not LiteralExpressionSyntax { Token: var token } literal || !literal.IsKind(SyntaxKind.StringLiteralExpression)) return syntax?.GetLocation();
        var text = token.Text;
        var opening = text.StartsWith("@\"", StringComparison.Ordinal) ? 2 : text.StartsWith("\"", StringComparison.Ordinal) && !text.StartsWith("\"\"\"", StringComparison.Ordinal) ? 1 : -1;
        // Escape sequences would shift positions; then the whole literal is the best place.
        if (opening < 0 || text.Length - opening - 1 != token.ValueText.Length) return literal.GetLocation();
        return Location.Create(literal.SyntaxTree, new Microsoft.CodeAnalysis.Text.TextSpan(token.SpanStart + opening + parameter.Start, parameter.Length));
    }

    private bool CheckClass(INamedTypeSymbol type)
    {
        var name = type.Name;
        if (type.IsStatic)
        {
            _diagnostics.Report(DiagnosticDescriptors.ClassIsStatic, SyntaxLocations.Modifier(type, SyntaxKind.StaticKeyword, _cancellationToken), name);
        }
        else if (type.IsAbstract)
        {
            _diagnostics.Report(DiagnosticDescriptors.ClassIsAbstract, SyntaxLocations.Modifier(type, SyntaxKind.AbstractKeyword, _cancellationToken), name);
        }
        else if (type.TypeParameters.Length > 0)
        {
            _diagnostics.Report(DiagnosticDescriptors.ClassIsGeneric, SyntaxLocations.TypeParameters(type, _cancellationToken), name,
                DiagnosticDescriptors.Advice.IsGeneric, DiagnosticDescriptors.Advice.RemoveTypeParameters);
        }
        else if (Symbols.IsGeneric(type))
        {
            var outer = type.ContainingType!;
            while (outer.TypeParameters.Length == 0 && outer.ContainingType is not null) outer = outer.ContainingType;
            _diagnostics.Report(DiagnosticDescriptors.ClassIsGeneric, SyntaxLocations.Name(type), name,
                DiagnosticDescriptors.Advice.NestedInGeneric(Symbols.Display(outer)), DiagnosticDescriptors.Advice.MoveOutOf(outer.Name));
        }
        else if (type.IsFileLocal)
        {
            _diagnostics.Report(DiagnosticDescriptors.ClassNotAccessible, SyntaxLocations.Modifier(type, SyntaxKind.FileKeyword, _cancellationToken), name,
                DiagnosticDescriptors.Advice.FileLocal, DiagnosticDescriptors.Advice.RemoveFile);
        }
        else if (Symbols.InaccessibleContainer(type) is { } hidden)
        {
            var own = SymbolEqualityComparer.Default.Equals(hidden, type);
            var what = own ? Symbols.AccessibilityText(hidden) : DiagnosticDescriptors.Advice.NestedIn(Symbols.AccessibilityText(hidden), hidden.Name);
            var advice = own ? DiagnosticDescriptors.Advice.MakeItVisible : DiagnosticDescriptors.Advice.MakeContainerVisible(hidden.Name);
            _diagnostics.Report(DiagnosticDescriptors.ClassNotAccessible, SyntaxLocations.Accessibility(hidden, _cancellationToken), name, what, advice);
        }
        else return true;
        return false;
    }

    /// <summary>
    /// The callback methods by kind, found by name on the class and its base classes; a second one of a kind is an error.
    /// An override and what it overrides are one callback (at any depth, in generic bases too), and so are a method
    /// hidden with <c>new</c> and the one that hides it; a private or protected static method is a helper (WS0060). A
    /// method only an interface has (a default method, an explicit implementation) cannot be called on the class (WS0061).
    /// </summary>
    private Dictionary<CallbackKind, IMethodSymbol> FindCallbacks(INamedTypeSymbol type)
    {
        var found = new Dictionary<CallbackKind, IMethodSymbol>();
        foreach (var name in CallbackNames.All)
        {
            var candidates = new List<IMethodSymbol>();
            // The original definitions of every method overridden by one already seen: a generic base's members are
            // seen constructed (CommandEndpoint<Deploy>.OnMessage), an override names them through OriginalDefinition.
            var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (var member in current.GetMembers(name))
                {
                    if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method) continue;
                    if (overridden.Contains(method.OriginalDefinition)) continue;
                    for (var baseMethod = method.OverriddenMethod; baseMethod is not null; baseMethod = baseMethod.OverriddenMethod)
                    {
                        overridden.Add(baseMethod.OriginalDefinition);
                    }
                    // Hidden by a method of the same signature in a class nearer the endpoint ('new', or a CS0108 warning).
                    if (candidates.Any(c => Symbols.SameSignature(c, method))) continue;
                    if (method.IsStatic && !Symbols.IsAccessible(method))
                    {
                        // A helper; said once, where it is declared, and only for the endpoint's own (a base class's are its business).
                        if (SymbolEqualityComparer.Default.Equals(current, type))
                        {
                            _diagnostics.Report(DiagnosticDescriptors.StaticHelperNamedLikeCallback, SyntaxLocations.Name(method), name,
                                Symbols.AccessibilityText(method));
                        }
                        continue;
                    }
                    candidates.Add(method);
                }
            }
            if (candidates.Count == 0)
            {
                ReportInterfaceOnly(type, name);
                continue;
            }
            found[CallbackNames.KindOf(name)] = candidates[0];
            if (name == "OnMessage")
            {
                _onMessages.AddRange(candidates);
                continue;
            }
            for (var extra = 1; extra < candidates.Count; extra++)
            {
                _diagnostics.Report(DiagnosticDescriptors.DuplicateCallback, SyntaxLocations.Name(candidates[extra]), type.Name, name);
            }
        }
        return found;
    }

    /// <summary>
    /// WS0061 for each method of the project's own interfaces named <paramref name="name"/> that the class, having no
    /// callback of that name, implements only through the interface: the generated code calls <c>endpoint.OnText(…)</c>, which does not reach a default interface method
    /// or an explicit implementation, so it would never run.
    /// </summary>
    private void ReportInterfaceOnly(INamedTypeSymbol type, string name)
    {
        var reported = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var contract in type.AllInterfaces)
        {
            // A library's interface (IObserver<T>.OnError) has its own meaning: implementing it is not a callback mistake.
            if (!contract.Locations.Any(static l => l.IsInSource)) continue;
            foreach (var member in contract.GetMembers(name))
            {
                if (member is not IMethodSymbol { IsStatic: false, MethodKind: MethodKind.Ordinary } method) continue;
                if (type.FindImplementationForInterfaceMember(method) is not IMethodSymbol implementation || !reported.Add(implementation)) continue;
                string what;
                if (implementation.ContainingType.TypeKind == TypeKind.Interface)
                {
                    what = DiagnosticDescriptors.Advice.DefaultMethodOf(Symbols.Display(implementation.ContainingType));
                }
                else if (implementation.MethodKind == MethodKind.ExplicitInterfaceImplementation)
                {
                    what = DiagnosticDescriptors.Advice.ExplicitImplementationOf(Symbols.Display(contract) + "." + name);
                }
                else continue;
                _diagnostics.Report(DiagnosticDescriptors.CallbackOnlyOnInterface, SyntaxLocations.Name(implementation), name, what, type.Name,
                    Symbols.PublicSignature(method), Symbols.Display(contract) + "." + name);
                _interfaceOnlyCallbacks++;
            }
        }
    }

    /// <summary>
    /// Methods that look like callbacks but are never called. Without any real callback the class would do nothing, so
    /// the first near miss is the error (WS0001) that says what to rename; the others are warnings.
    /// </summary>
    private void ReportTypos(INamedTypeSymbol type, Dictionary<CallbackKind, IMethodSymbol> callbacks)
    {
        var reportedNoCallbacks = false;
        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method || method.IsOverride) continue;
            var suggestion = CallbackNames.Suggest(method.Name);
            if (suggestion is null) continue;
            // "OnMesage(string text)" means OnText: OnMessage takes a typed message, not text.
            if (suggestion == "OnMessage" && method.Parameters.Any(static p => p.Type.SpecialType == SpecialType.System_String)) suggestion = "OnText";
            // Renaming into a callback the class already has would only make an overload.
            if (callbacks.ContainsKey(CallbackNames.KindOf(suggestion))) continue;
            if (callbacks.Count == 0 && !reportedNoCallbacks)
            {
                _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.NoCallbacks, SyntaxLocations.Name(method), suggestion,
                    type.Name, DiagnosticDescriptors.Advice.RenameToCallback(method.Name, suggestion));
                reportedNoCallbacks = true;
                continue;
            }
            _diagnostics.ReportWithSuggestion(DiagnosticDescriptors.CallbackNameTypo, SyntaxLocations.Name(method), suggestion, method.Name, suggestion);
        }
        if (callbacks.Count == 0 && !reportedNoCallbacks && _interfaceOnlyCallbacks == 0)
        {
            _diagnostics.Report(DiagnosticDescriptors.NoCallbacks, SyntaxLocations.Name(type), type.Name, DiagnosticDescriptors.Advice.AddACallback);
        }
    }
}
