using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Ids are <c>WS</c> + four digits, grouped by area: 00xx binding and
/// the basics, 001x the class, 002x the route, 003x callbacks, 004x use of received data. Each id has a page
/// in docs/diagnostics.
/// </summary>
internal static class DiagnosticDescriptors
{
    // Where the repository's docs are published; every help link is this plus "<id>.md".
    public const string HelpLinkBase = "https://github.com/endpoints-dotnet/endpoints/blob/main/docs/diagnostics/";

    /// <summary>The diagnostic property a code fix reads for the suggested name or type.</summary>
    public const string SuggestionProperty = "Suggestion";

    private const string ClassCategory = "Endpoints.Class";
    private const string RouteCategory = "Endpoints.Route";
    private const string CallbackCategory = "Endpoints.Callbacks";
    private const string BindingCategory = "Endpoints.Binding";
    private const string UsageCategory = "Endpoints.Usage";

    public static readonly DiagnosticDescriptor NoCallbacks = Error("WS0001", ClassCategory,
        "WebSocket endpoint has no callbacks",
        "'{0}' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnClose or OnError; add at least one");

    public static readonly DiagnosticDescriptor ParameterCannotBeBound = Error("WS0002", BindingCategory,
        "Callback parameter cannot be bound",
        "Parameter '{0}' of {1} cannot be bound: {2}");

    public static readonly DiagnosticDescriptor StateTypeMismatch = Error("WS0003", BindingCategory,
        "State parameter does not match what OnOpen returns",
        "Parameter '{0}' of {1} has type '{2}', but OnOpen returns state of type '{3}'; change the parameter's type to '{3}'");

    public static readonly DiagnosticDescriptor MissingMessageParameter = Error("WS0004", CallbackCategory,
        "Message callback has no message parameter",
        "{0} must take the message as a parameter of type {1}");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error("WS0005", CallbackCategory,
        "Callback return type is not supported",
        "{0} returns '{1}'; {2}");

    public static readonly DiagnosticDescriptor AsyncVoidCallback = Error("WS0006", CallbackCategory,
        "Callback is async void",
        "{0} is 'async void', so its exceptions would crash the process and its end cannot be awaited; return Task instead");

    public static readonly DiagnosticDescriptor StateWithoutState = Error("WS0007", BindingCategory,
        "Callback asks for state but OnOpen returns none",
        "Parameter '{0}' of {1} has type '{2}', but {3}; return the state from OnOpen, mark the parameter [FromServices], or remove it");

    public static readonly DiagnosticDescriptor DuplicateCallback = Error("WS0008", CallbackCategory,
        "Callback is declared more than once",
        "'{0}' has more than one {1}; keep one (callbacks are found by name, so overloads are ambiguous)");

    public static readonly DiagnosticDescriptor ByRefParameter = Error("WS0009", BindingCategory,
        "Callback parameter is ref, out or in",
        "Parameter '{0}' of {1} is passed by reference; remove 'ref', 'out' or 'in'");

    public static readonly DiagnosticDescriptor ClassNotAccessible = Error("WS0010", ClassCategory,
        "WebSocket endpoint class is not visible to generated code",
        "'{0}' is {1}, so the generated code cannot create it; make it internal or public");

    public static readonly DiagnosticDescriptor ClassIsAbstract = Error("WS0011", ClassCategory,
        "WebSocket endpoint class is abstract",
        "'{0}' is abstract, but one instance is created per connection; make it a concrete class (put shared code in a base class without the attribute)");

    public static readonly DiagnosticDescriptor ClassIsStatic = Error("WS0012", ClassCategory,
        "WebSocket endpoint class is static",
        "'{0}' is static, but one instance is created per connection; remove 'static'");

    public static readonly DiagnosticDescriptor ClassIsGeneric = Error("WS0013", ClassCategory,
        "WebSocket endpoint class is generic",
        "'{0}' is generic (or nested in a generic type), so the generator cannot know its type arguments; make it a non-generic class");

    public static readonly DiagnosticDescriptor NoUsableConstructor = Error("WS0014", ClassCategory,
        "WebSocket endpoint class has no usable constructor",
        "'{0}' has no public or internal constructor; add one (its parameters are resolved from dependency injection)");

    public static readonly DiagnosticDescriptor ConstructorParameterNotAService = Warning("WS0015", ClassCategory,
        "Constructor parameter is unlikely to be a service",
        "Constructor parameter '{0}' of '{1}' has type '{2}', which is rarely registered as a service, so creating the endpoint will likely fail when a client connects; take settings through IOptions<T> or values from the route in OnOpen");

    public static readonly DiagnosticDescriptor ConstructorParameterByRef = Error("WS0016", ClassCategory,
        "Constructor parameter is ref, out or in",
        "Constructor parameter '{0}' of '{1}' is passed by reference, but constructor parameters are resolved services; remove 'ref', 'out' or 'in'");

    public static readonly DiagnosticDescriptor EmptyPattern = Error("WS0020", RouteCategory,
        "Route pattern is empty",
        "The route pattern of '{0}' is empty; give the path clients connect to, e.g. \"/ws\"");

    public static readonly DiagnosticDescriptor PatternWithoutLeadingSlash = Error("WS0021", RouteCategory,
        "Route pattern does not start with '/'",
        "The route pattern \"{0}\" does not start with '/'; write \"/{0}\"");

    public static readonly DiagnosticDescriptor InvalidPattern = Error("WS0022", RouteCategory,
        "Route pattern is not valid",
        "The route pattern \"{0}\" is not valid: {1}");

    public static readonly DiagnosticDescriptor DuplicatePattern = Error("WS0023", RouteCategory,
        "Two endpoints have the same route pattern",
        "'{0}' and '{1}' both use the route pattern \"{2}\"; a request could match either, so give each its own");

    public static readonly DiagnosticDescriptor UnusedRouteParameter = Info("WS0024", RouteCategory,
        "Route parameter is not used",
        "The route parameter '{0}' is not taken by any callback of '{1}'; add a parameter named '{0}' to OnOpen to use it");

    public static readonly DiagnosticDescriptor CallbackNameTypo = Warning("WS0030", CallbackCategory,
        "Method looks like a misspelt callback",
        "'{0}' is not a callback name, so it is never called; did you mean '{1}'?");

    public static readonly DiagnosticDescriptor CallbackIsGeneric = Error("WS0031", CallbackCategory,
        "Callback is generic",
        "{0} is generic, so the generated code cannot know its type arguments; remove its type parameters");

    public static readonly DiagnosticDescriptor CallbackNotAccessible = Error("WS0032", CallbackCategory,
        "Callback is not visible to generated code",
        "{0} is {1}, so the generated code cannot call it; make it public or internal");

    public static readonly DiagnosticDescriptor WrongMessageType = Error("WS0033", BindingCategory,
        "Message parameter has the wrong type",
        "Parameter '{0}' of {1} has type '{2}', but {1} receives the message as {3}; change the parameter's type to {3}");

    public static readonly DiagnosticDescriptor SecondMessageParameter = Error("WS0034", BindingCategory,
        "Callback takes the message twice",
        "Parameter '{0}' of {1} takes the {2} again ('{3}' already does); remove one of them");

    public static readonly DiagnosticDescriptor BinaryBufferEscapes = Warning("WS0040", UsageCategory,
        "Received buffer outlives the callback",
        "'{0}' is {1}, but the buffer is reused once OnBinary returns; copy it with '{0}.ToArray()' to keep the data");

    private static DiagnosticDescriptor Error(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Info(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Info);

    private static DiagnosticDescriptor Create(string id, string category, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
