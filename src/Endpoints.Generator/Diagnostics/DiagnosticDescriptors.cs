using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Diagnostics;

/// <summary>Every diagnostic the generator reports. Ids are <c>WS</c> + four digits; each has a page in docs/diagnostics.</summary>
internal static class DiagnosticDescriptors
{
    private const string HelpLinkBase = "https://github.com/endpoints-dotnet/endpoints/blob/main/docs/diagnostics/";

    private const string EndpointCategory = "Endpoints.Class";
    private const string CallbackCategory = "Endpoints.Callbacks";
    private const string BindingCategory = "Endpoints.Binding";

    public static readonly DiagnosticDescriptor NoCallbacks = Create(
        "WS0001", EndpointCategory,
        "WebSocket endpoint has no callbacks",
        "'{0}' is marked [WebSocketEndpoint] but has none of OnOpen, OnText, OnBinary, OnClose or OnError; add at least one");

    public static readonly DiagnosticDescriptor ParameterCannotBeBound = Create(
        "WS0002", BindingCategory,
        "Callback parameter cannot be bound",
        "Parameter '{0}' of {1} cannot be bound: {2}");

    public static readonly DiagnosticDescriptor StateTypeMismatch = Create(
        "WS0003", BindingCategory,
        "State parameter does not match what OnOpen returns",
        "Parameter '{0}' of {1} has type '{2}', but {3}");

    public static readonly DiagnosticDescriptor MissingMessageParameter = Create(
        "WS0004", CallbackCategory,
        "Message callback has no message parameter",
        "{0} must take the message as a parameter of type {1}");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "WS0005", CallbackCategory,
        "Callback return type is not supported",
        "{0} returns '{1}'; {2}");

    public static readonly DiagnosticDescriptor AsyncVoidCallback = Create(
        "WS0006", CallbackCategory,
        "Callback is async void",
        "{0} is 'async void', so its exceptions would crash the process and its end cannot be awaited; return Task or ValueTask instead");

    public static readonly DiagnosticDescriptor EndpointClassNotUsable = Create(
        "WS0007", EndpointCategory,
        "WebSocket endpoint class cannot be used",
        "'{0}' cannot be a WebSocket endpoint: {1}");

    public static readonly DiagnosticDescriptor DuplicateCallback = Create(
        "WS0008", CallbackCategory,
        "Callback is declared more than once",
        "'{0}' has more than one {1}; keep one (callbacks are found by name, so overloads are ambiguous)");

    public static readonly DiagnosticDescriptor CallbackNotUsable = Create(
        "WS0009", CallbackCategory,
        "Callback cannot be called by generated code",
        "{0} cannot be called by the generated code: {1}");

    private static DiagnosticDescriptor Create(string id, string category, string title, string message)
        => new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
