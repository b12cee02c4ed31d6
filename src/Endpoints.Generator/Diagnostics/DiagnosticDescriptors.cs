using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Ids are <c>WS</c> + four digits, grouped by area: 000x binding and the
/// basics, 001x the class and its constructor, 002x the route and the attribute's settings, 003x callbacks and their
/// messages, 004x use of received data, 005x typed messages, 006x which methods are callbacks and what callbacks do
/// with what they are given, 007x use of the connection, groups, streams and the attribute's limits across the
/// project, 008x what the app's contract (the AsyncAPI document and the TypeScript client) needs of the messages, 009x the typed C# client. Each id has a page in docs/diagnostics. Severity: an error where the
/// mistake would fail at run time or silently do nothing; a warning where it is likely, not certain, to be one.
/// Every message's wording is here: the whole format beside its descriptor, and the texts that fill its slots in
/// <see cref="Advice"/>; the parser chooses among them and composes none.
/// </summary>
internal static partial class DiagnosticDescriptors
{
    // Where the repository's docs are published; every help link is this plus "<id>.md".
    public const string HelpLinkBase = "https://github.com/endpoints-dotnet/endpoints/blob/main/docs/diagnostics/";

    /// <summary>The diagnostic property a code fix reads for the suggested name, type or value.</summary>
    public const string SuggestionProperty = "Suggestion";

    private const string ClassCategory = "Endpoints.Class";
    private const string RouteCategory = "Endpoints.Route";
    private const string CallbackCategory = "Endpoints.Callbacks";
    private const string BindingCategory = "Endpoints.Binding";
    private const string UsageCategory = "Endpoints.Usage";

    public static readonly DiagnosticDescriptor NoCallbacks = Error("WS0001", ClassCategory,
        "WebSocket endpoint has no callbacks",
        "'{0}' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError, so nothing would ever run; {1}");

    public static readonly DiagnosticDescriptor ParameterCannotBeBound = Error("WS0002", BindingCategory,
        "Callback parameter cannot be bound",
        "Parameter '{0}' of {1} cannot be bound: {2}");

    public static readonly DiagnosticDescriptor StateTypeMismatch = Error("WS0003", BindingCategory,
        "State parameter does not match what OnOpen returns",
        "Parameter '{0}' of {1} has type '{2}', but OnOpen returns state of type '{3}'; change the parameter's type to '{3}'");

    public static readonly DiagnosticDescriptor MissingMessageParameter = Error("WS0004", CallbackCategory,
        "Message callback has no message parameter",
        "{0} must take the message; add a parameter '{1}'");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error("WS0005", CallbackCategory,
        "Callback return type is not supported",
        "{0} returns '{1}'; {2}");

    public static readonly DiagnosticDescriptor AsyncVoidCallback = Error("WS0006", CallbackCategory,
        "Callback is async void",
        "{0} is 'async void', so its exceptions would crash the process and its end cannot be awaited; return Task instead");

    public static readonly DiagnosticDescriptor StateWithoutState = Error("WS0007", BindingCategory,
        "Callback asks for state but OnOpen returns none",
        "Parameter '{0}' of {1} has type '{2}', which would be this connection's state, but {3}; make OnOpen return it ('public {2} OnOpen(…)'), or remove the parameter");

    public static readonly DiagnosticDescriptor DuplicateCallback = Error("WS0008", CallbackCategory,
        "Callback is declared more than once",
        "'{0}' has more than one {1}; keep one (callbacks are found by name, so overloads are ambiguous)");

    public static readonly DiagnosticDescriptor ByRefParameter = Error("WS0009", BindingCategory,
        "Callback parameter is ref, out or in",
        "Parameter '{0}' of {1} is passed by reference; remove '{2}'");

    public static readonly DiagnosticDescriptor ClassNotAccessible = Error("WS0010", ClassCategory,
        "WebSocket endpoint class is not visible to generated code",
        "'{0}' is {1}, so the generated code cannot create it; {2}");

    public static readonly DiagnosticDescriptor ClassIsAbstract = Error("WS0011", ClassCategory,
        "WebSocket endpoint class is abstract",
        "'{0}' is abstract, but one instance is created per connection; remove 'abstract' (shared code can live in a base class without the attribute)");

    public static readonly DiagnosticDescriptor ClassIsStatic = Error("WS0012", ClassCategory,
        "WebSocket endpoint class is static",
        "'{0}' is static, but one instance is created per connection; remove 'static' (and from its callbacks)");

    public static readonly DiagnosticDescriptor ClassIsGeneric = Error("WS0013", ClassCategory,
        "WebSocket endpoint class is generic",
        "'{0}' {1}, so the generated code cannot know the type arguments; {2}");

    public static readonly DiagnosticDescriptor NoUsableConstructor = Error("WS0014", ClassCategory,
        "WebSocket endpoint class has no usable constructor",
        "'{0}' has no public or internal constructor, so the generated code cannot create it; make this constructor public");

    public static readonly DiagnosticDescriptor ConstructorParameterNotAService = Warning("WS0015", ClassCategory,
        "Constructor parameter is unlikely to be a service",
        "{0} '{1}' of '{2}' has type '{3}', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T>, or values of the request in OnOpen");

    public static readonly DiagnosticDescriptor ConstructorParameterByRef = Error("WS0016", ClassCategory,
        "Constructor parameter is ref, out or in",
        "Constructor parameter '{0}' of '{1}' is passed by reference, but constructor parameters are resolved services; remove '{2}'");

    public static readonly DiagnosticDescriptor NotAClass = Error("WS0017", ClassCategory,
        "[WebSocketEndpoint] is not on a class",
        "[WebSocketEndpoint] marks a class, but '{0}' is {1}; {2}");

    public static readonly DiagnosticDescriptor SeveralConstructors = Error("WS0019", ClassCategory,
        "WebSocket endpoint class has several constructors to choose from",
        "'{0}' has {1} public or internal constructors, and the generated code must call exactly one; mark the one to use with [ActivatorUtilitiesConstructor], or remove the others");

    public static readonly DiagnosticDescriptor EmptyPattern = Error("WS0020", RouteCategory,
        "Route pattern is empty",
        "The route pattern of '{0}' is empty; give the path clients connect to, e.g. \"/ws\"");

    public static readonly DiagnosticDescriptor PatternWithoutLeadingSlash = Error("WS0021", RouteCategory,
        "Route pattern does not start with '/'",
        "The route pattern \"{0}\" {1}; write \"{2}\"");

    public static readonly DiagnosticDescriptor InvalidPattern = Error("WS0022", RouteCategory,
        "Route pattern is not valid",
        "The route pattern \"{0}\" is not valid: {1}");

    public static readonly DiagnosticDescriptor DuplicatePattern = Error("WS0023", RouteCategory,
        "Two endpoints have the same route pattern",
        "'{0}' and '{1}' both use the route pattern \"{2}\"; a request could match either, so give each its own");

    public static readonly DiagnosticDescriptor UnusedRouteParameter = Warning("WS0024", RouteCategory,
        "Route parameter is not used",
        "The route parameter '{0}' is not taken by any callback of '{1}', so its value is ignored; add a parameter 'string {0}' to OnOpen");

    public static readonly DiagnosticDescriptor UnknownRouteConstraint = Warning("WS0025", RouteCategory,
        "Route constraint is not a built-in one",
        "'{0}' is not a built-in route constraint ({1}), so every request to \"{2}\" fails unless the app registers it in RouteOptions.ConstraintMap; use a built-in one, e.g. '{3}'");

    public static readonly DiagnosticDescriptor OptionalRouteValueNotNullable = Warning("WS0026", RouteCategory,
        "Optional route value is taken as a type that cannot be null",
        "The route parameter '{0}' is optional, but parameter '{1}' of {2} has type '{3}', which cannot be null, so a request without it gets 400; change the type to '{4}'");

    public static readonly DiagnosticDescriptor InvalidAttributeValue = Error("WS0027", RouteCategory,
        "[WebSocketEndpoint] property value is not valid",
        "{0}; {1}");

    public static readonly DiagnosticDescriptor CallbackNameTypo = Warning("WS0030", CallbackCategory,
        "Method looks like a misspelt callback",
        "'{0}' is not a callback name, so it is never called; rename it to '{1}'");

    public static readonly DiagnosticDescriptor CallbackIsGeneric = Error("WS0031", CallbackCategory,
        "Callback is generic",
        "{0} is generic, so the generated code cannot know its type arguments; remove its type parameters");

    public static readonly DiagnosticDescriptor CallbackNotAccessible = Error("WS0032", CallbackCategory,
        "Callback is not visible to generated code",
        "{0} is {1}, so the generated code cannot call it; make it public or internal");

    public static readonly DiagnosticDescriptor WrongMessageType = Error("WS0033", BindingCategory,
        "Message parameter has the wrong type",
        "Parameter '{0}' of {1} has type '{2}', but {1} receives {3} as {4}; change the parameter's type to {5}{6}");

    public static readonly DiagnosticDescriptor SecondMessageParameter = Error("WS0034", BindingCategory,
        "Callback takes the message twice",
        "Parameter '{0}' of {1} is a second {2}, but {1} gets one {3} and '{4}' takes it; {5}");

    public static readonly DiagnosticDescriptor ConstructorTakesConnectionValue = Error("WS0035", BindingCategory,
        "Constructor takes a value of one connection",
        "{0} '{1}' of '{2}' is {3}: it exists once per connection and is not a service; take it in OnOpen instead ('public void OnOpen({4})') and keep what later callbacks need in the state");

    public static readonly DiagnosticDescriptor NullableStateMismatch = Warning("WS0036", BindingCategory,
        "State may be null but the parameter is not nullable",
        "OnOpen may return null ('{0}'), but parameter '{1}' of {2} has type '{3}'; change its type to '{0}' and check for null, or make OnOpen return '{3}'");

    public static readonly DiagnosticDescriptor BinaryBufferEscapes = Warning("WS0040", UsageCategory,
        "Received buffer or stream outlives the callback",
        "'{0}' is {1}, but {2}; {3}");

    private const string MessagesCategory = "Endpoints.TypedMessages";

    public static readonly DiagnosticDescriptor MessageTypeNotSerializable = Error("WS0050", MessagesCategory,
        "Message type is not in a JsonSerializerContext",
        "'{0}' cannot be serialized without reflection: {1}");

    public static readonly DiagnosticDescriptor DuplicateMessageType = Error("WS0051", MessagesCategory,
        "Two OnMessage callbacks take the same type",
        "{0} is already handled by another OnMessage; a message of one type goes to one callback, so merge the two or remove this one");

    public static readonly DiagnosticDescriptor MessageTypeNameClash = Error("WS0052", MessagesCategory,
        "Two message types have the same name on the wire",
        "'{0}' and '{1}' are both called \"{2}\" in the \"{3}\" property, so a received message could not say which it is; name one differently with [WebSocketMessage(\"…\")]");

    public static readonly DiagnosticDescriptor TextAndTypedMessages = Error("WS0053", MessagesCategory,
        "OnText next to OnMessage",
        "'{0}' has OnText and OnMessage, but every text message goes to OnMessage; remove OnText, or handle that text as a message type of its own");

    public static readonly DiagnosticDescriptor InvalidMessageType = Error("WS0054", MessagesCategory,
        "Type cannot be a typed message",
        "'{0}' cannot be a typed message: {1}");

    public static readonly DiagnosticDescriptor MissingTypedMessageParameter = Error("WS0055", MessagesCategory,
        "OnMessage has no message parameter",
        "OnMessage must take the message, a class or struct of yours; add a parameter for it, e.g. 'Move move'");

    public static readonly DiagnosticDescriptor UndeclaredSendType = Error("WS0056", MessagesCategory,
        "Sent message type is not declared",
        "'{0}' is not one of the message types {1} sends{2}");

    public static readonly DiagnosticDescriptor InvalidWireName = Error("WS0057", MessagesCategory,
        "Message type name is not a plain word",
        "\"{0}\" cannot name {1} on the wire; use letters, digits, '-', '_' and '.' only");

    public static readonly DiagnosticDescriptor NotAJsonContext = Error("WS0058", MessagesCategory,
        "JsonContext is not a JsonSerializerContext",
        "'{0}' is not a System.Text.Json source-generated context; name a 'partial class' that derives from JsonSerializerContext");

    // WS006x: which methods are callbacks, and what a callback does with what it is given.

    public static readonly DiagnosticDescriptor StaticHelperNamedLikeCallback = Warning("WS0060", CallbackCategory,
        "Static method named like a callback is not one",
        "{0} is {1} and static, so it is not a callback and the endpoint never calls it; if it is meant to be one, make it public (a static callback may be public), else give the helper another name");

    public static readonly DiagnosticDescriptor CallbackOnlyOnInterface = Error("WS0061", CallbackCategory,
        "Callback is not a method of the class",
        "{0} is {1}, which the generated code cannot call on '{2}' (it calls the class's own public methods); declare '{3}' in '{2}' (it also implements '{4}')");

    public static readonly DiagnosticDescriptor StructStateChanged = Warning("WS0062", UsageCategory,
        "Struct state is changed in a callback",
        "'{0}' is assigned, but {1} gets a copy of the state (the struct '{2}'), so the change is lost when it returns; {3}");

    public static readonly DiagnosticDescriptor ConnectionValueTakenTwice = Error("WS0063", BindingCategory,
        "Callback takes a value of the connection twice",
        "Parameter '{0}' of {1} is a second {2}, but there is one, {3}, and '{4}' takes it; remove '{0}'");

    public static readonly DiagnosticDescriptor InvalidMessageWithoutMessages = Warning("WS0064", MessagesCategory,
        "OnInvalidMessage without OnMessage",
        "'{0}' has OnInvalidMessage but no OnMessage, so no text is ever a typed message and OnInvalidMessage never runs; remove it (every text message goes to OnText), or add an OnMessage for each message type");
    public static readonly DiagnosticDescriptor ClientsOfNotAnEndpoint = Error("WS0070", UsageCategory,
        "IWebSocketClients<T> names a class that is not an endpoint",
        "'{0}' has no [WebSocketEndpoint], so IWebSocketClients<{0}> reaches no connection: every send goes to nobody and every group stays empty; {1}");

    public static readonly DiagnosticDescriptor GroupChangeNotAwaited = Warning("WS0071", UsageCategory,
        "Group change is not awaited",
        "'{0}' is not awaited, so {1}, and if it fails nobody sees it; {2}");

    public static readonly DiagnosticDescriptor SendInConstructor = Warning("WS0072", UsageCategory,
        "Send in the endpoint's constructor",
        "'{0}' is called in the constructor of '{1}', which runs before the WebSocket upgrade, when {2}; move it to OnOpen, which runs once the connection is open");

    public static readonly DiagnosticDescriptor UserIdMayBeNull = Warning("WS0073", UsageCategory,
        "Group or user named after a UserId that may be null",
        "'{0}' is null for an anonymous user, so {1}; check it first ('if ({0} is {{ }} userId)', then use userId), or require an authenticated user with [Authorize] on the endpoint class");

    public static readonly DiagnosticDescriptor StreamedLimitWithoutStream = Warning("WS0074", RouteCategory,
        "MaxStreamedMessageSize without a streamed callback",
        "MaxStreamedMessageSize limits messages read while they arrive (OnBinary(Stream), OnText(TextReader)), but '{0}' has none, so it does nothing; remove it, or set MaxMessageSize to limit whole messages");

    public static readonly DiagnosticDescriptor StreamedLimitBelowMessageLimit = Warning("WS0075", RouteCategory,
        "MaxStreamedMessageSize is smaller than MaxMessageSize",
        "MaxStreamedMessageSize ({0} bytes) is smaller than MaxMessageSize ({1} bytes), but reading a message while it arrives is for messages too large to hold whole, so the two look swapped; swap them, or make MaxStreamedMessageSize at least {1}");

    public static readonly DiagnosticDescriptor StreamWriterDropsTask = Warning("WS0076", UsageCategory,
        "Streamed send's writer does not await its writes",
        "'{0}' is not awaited, so the writer given to {1} returns before it finishes and the message ends without what it writes; {2}");

    public static readonly DiagnosticDescriptor TypePropertyCollision = Error("WS0077", MessagesCategory,
        "Message property has the name of the type property",
        "'{0}' of '{1}' is written as \"{2}\", the property that names the message's type on {3}'s wire, so {4}; rename it ([JsonPropertyName(\"{5}\")]), or choose another type property (MessageTypeProperty = \"{6}\" on [WebSocketEndpoint])");

    // WS008x: what the app's contract (the AsyncAPI document, the TypeScript client) needs of the messages.

    private const string ContractCategory = "Endpoints.Contract";

    public static readonly DiagnosticDescriptor PropertyNotJson = Error("WS0080", ContractCategory,
        "Message property has a type JSON cannot carry",
        "{0} has type '{1}', {2}, so {3}; {4}");

    public static readonly DiagnosticDescriptor CustomConverter = Warning("WS0081", ContractCategory,
        "Message shape is hidden by a custom JsonConverter",
        "{0} is written by the custom converter '{1}', whose JSON the generator cannot see, so the AsyncAPI document and the TypeScript client describe it as any JSON; {2}, or, if free-form JSON is meant, silence WS0081 where it is reported ('#pragma warning disable WS0081')");

    // WS009x: the typed C# client ([WebSocketClient], written by Endpoints.Client's generator).

    private const string ClientCategory = "Endpoints.Client";

    public static readonly DiagnosticDescriptor ClientOfNotAnEndpoint = Error("WS0090", ClientCategory,
        "Typed client names a class that is not an endpoint",
        "'{0}' has no [WebSocketEndpoint], so the typed client '{1}' has no contract to follow; name the class marked [WebSocketEndpoint] it should talk to");

    public static readonly DiagnosticDescriptor ClientNotPartial = Error("WS0091", ClientCategory,
        "Typed client class cannot be completed by the generator",
        "'{0}' {1}, so the generator cannot write the typed client's other half; {2}");

    public static readonly DiagnosticDescriptor ClientJsonContextMissing = Error("WS0092", ClientCategory,
        "Typed client has no JSON context for the endpoint's messages",
        "{0}; {1}");

    public static readonly DiagnosticDescriptor ClientContractUnreadable = Error("WS0093", ClientCategory,
        "Typed client cannot read the endpoint's contract",
        "The contract of '{0}' cannot be read ({1}), so the typed client '{2}' gets no code; fix the endpoint, or, when it is another project's, reference what that project references (its packages, the assemblies that define the types its callbacks name)");

    public static readonly DiagnosticDescriptor ClientJsonNamesDiffer = Warning("WS0094", ClientCategory,
        "Typed client's JSON context names properties unlike the endpoint's",
        "The typed client's context '{0}' writes property names {1}, but the endpoint's context '{2}' writes them {3}, so properties may not arrive; give '{0}' the endpoint's naming policy ([JsonSourceGenerationOptions(PropertyNamingPolicy = …)] or JsonSerializerDefaults.Web)");

    private static DiagnosticDescriptor Error(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string category, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
