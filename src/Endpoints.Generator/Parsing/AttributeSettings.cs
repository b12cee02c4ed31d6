using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator.Parsing;

/// <summary>The named properties of <c>[WebSocketEndpoint]</c>, checked: a value the runtime would reject or ignore is an error here.</summary>
internal sealed class AttributeSettings
{
    // RFC 7230 token characters, which a subprotocol name is made of.
    private const string TokenSymbols = "!#$%&'*+-.^_`|~";

    public int MaxMessageSize { get; private set; }

    public long MaxStreamedMessageSize { get; private set; }

    public EquatableArray<string> SubProtocols { get; private set; } = EquatableArray<string>.Empty;

    public EquatableArray<string> AllowedOrigins { get; private set; } = EquatableArray<string>.Empty;

    public bool EnableCompression { get; private set; }

    public bool Resumable { get; private set; }

    public static AttributeSettings Read(AttributeData attribute, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        var settings = new AttributeSettings();
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        foreach (var named in attribute.NamedArguments)
        {
            var value = Argument(syntax, named.Key);
            switch (named.Key)
            {
                case "MaxMessageSize" when named.Value.Value is int size:
                    settings.MaxMessageSize = (int)NotNegative(named.Key, size, value, DiagnosticDescriptors.Advice.GiveMaxMessageSize, diagnostics);
                    break;
                case "MaxStreamedMessageSize" when named.Value.Value is long streamed:
                    settings.MaxStreamedMessageSize = NotNegative(named.Key, streamed, value, DiagnosticDescriptors.Advice.GiveMaxStreamedMessageSize, diagnostics);
                    break;
                case "SubProtocols":
                    settings.SubProtocols = CheckSubProtocols(Strings(named.Value), value, diagnostics);
                    break;
                case "AllowedOrigins":
                    settings.AllowedOrigins = CheckOrigins(Strings(named.Value), value, diagnostics);
                    break;
                case "EnableCompression" when named.Value.Value is bool enabled:
                    settings.EnableCompression = enabled;
                    break;
                case "Delivery" when named.Value.Value is int delivery:
                    // WebSocketDelivery.Resumable; an undefined value is the compiler's to accept or not.
                    settings.Resumable = delivery == 1;
                    break;
            }
        }
        return settings;
    }

    /// <summary>
    /// The streamed limit against the endpoint's callbacks: it does nothing without a streamed callback (WS0074), and one
    /// below the whole-message limit looks swapped with it (WS0075).
    /// </summary>
    public void CheckStreamedLimit(AttributeData attribute, string endpoint, bool hasStreamedCallback, DiagnosticList diagnostics, CancellationToken cancellationToken)
    {
        if (MaxStreamedMessageSize <= 0) return;
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(static a => a.NameEquals?.Name.Identifier.ValueText == "MaxStreamedMessageSize");
        if (!hasStreamedCallback)
        {
            diagnostics.Report(DiagnosticDescriptors.StreamedLimitWithoutStream, argument?.GetLocation(), endpoint);
        }
        else if (MaxMessageSize > 0 && MaxStreamedMessageSize < MaxMessageSize)
        {
            diagnostics.Report(DiagnosticDescriptors.StreamedLimitBelowMessageLimit, argument?.Expression.GetLocation(),
                MaxStreamedMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }


    /// <summary>A size limit as given, or 0 (the options' limit) with WS0027 when it is negative.</summary>
    private static long NotNegative(string name, long size, ExpressionSyntax? value, string advice, DiagnosticList diagnostics)
    {
        if (size >= 0) return size;
        diagnostics.Report(DiagnosticDescriptors.InvalidAttributeValue, value?.GetLocation(),
            DiagnosticDescriptors.Advice.Is(name, size.ToString(System.Globalization.CultureInfo.InvariantCulture)), advice);
        return 0;
    }

    private static EquatableArray<string> CheckSubProtocols(List<string?> values, ExpressionSyntax? syntax, DiagnosticList diagnostics)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i] ?? "";
            var location = Element(syntax, i)?.GetLocation() ?? syntax?.GetLocation();
            if (value.Length == 0)
            {
                diagnostics.Report(DiagnosticDescriptors.InvalidAttributeValue, location, DiagnosticDescriptors.Advice.EmptySubProtocol,
                    DiagnosticDescriptors.Advice.NameTheSubProtocol);
            }
            else if (value.Any(c => !(char.IsLetterOrDigit(c) && c < 128) && TokenSymbols.IndexOf(c) < 0))
            {
                var bad = value.First(c => !(char.IsLetterOrDigit(c) && c < 128) && TokenSymbols.IndexOf(c) < 0);
                diagnostics.Report(DiagnosticDescriptors.InvalidAttributeValue, location,
                    DiagnosticDescriptors.Advice.NotASubProtocolCharacter(CSharpText.Literal(value), CSharpText.CharLiteral(bad)),
                    DiagnosticDescriptors.Advice.SubProtocolCharacters);
            }
            else if (!seen.Add(value))
            {
                diagnostics.Report(DiagnosticDescriptors.InvalidAttributeValue, location,
                    DiagnosticDescriptors.Advice.SubProtocolTwice(CSharpText.Literal(value)), DiagnosticDescriptors.Advice.RemoveOne);
            }
        }
        return values.Where(static v => !string.IsNullOrEmpty(v)).Select(static v => v!).ToEquatableArray();
    }

    private static EquatableArray<string> CheckOrigins(List<string?> values, ExpressionSyntax? syntax, DiagnosticList diagnostics)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i] ?? "";
            if (value == "*" || IsOrigin(value)) continue;
            var location = Element(syntax, i)?.GetLocation() ?? syntax?.GetLocation();
            var suggestion = SuggestOrigin(value);
            var problem = DiagnosticDescriptors.Advice.NotAnOrigin(CSharpText.Literal(value));
            if (suggestion is null)
            {
                diagnostics.Report(DiagnosticDescriptors.InvalidAttributeValue, location, problem, DiagnosticDescriptors.Advice.WriteAnOrigin);
            }
            else
            {
                diagnostics.ReportWithSuggestion(DiagnosticDescriptors.InvalidAttributeValue, location, suggestion, problem,
                    DiagnosticDescriptors.Advice.Write(suggestion));
            }
        }
        return values.Where(static v => v is not null).Select(static v => v!).ToEquatableArray();
    }

    private static bool IsOrigin(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
           && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
           && !value.TrimEnd('/').EndsWith(":", StringComparison.Ordinal);

    /// <summary>What the user most likely meant: a scheme added, ws(s) as http(s), the path dropped.</summary>
    private static string? SuggestOrigin(string value)
    {
        var text = value.Trim();
        if (text.Length == 0) return null;
        if (text.StartsWith("ws://", StringComparison.OrdinalIgnoreCase)) text = "http://" + text.Substring(5);
        else if (text.StartsWith("wss://", StringComparison.OrdinalIgnoreCase)) text = "https://" + text.Substring(6);
        else if (text.IndexOf("://", StringComparison.Ordinal) < 0) text = (text.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || text.StartsWith("127.", StringComparison.Ordinal) ? "http://" : "https://") + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;
        var origin = uri.GetLeftPart(UriPartial.Authority);
        return IsOrigin(origin) && origin != value ? origin : null;
    }

    private static List<string?> Strings(TypedConstant array)
        => array.Kind == TypedConstantKind.Array && !array.IsNull
            ? array.Values.Select(static value => value.Value as string).ToList()
            : new List<string?>();

    internal static ExpressionSyntax? Argument(AttributeSyntax? syntax, string name)
        => syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.Expression;

    /// <summary>The i-th element of an array or collection expression, for a diagnostic on that one value.</summary>
    internal static ExpressionSyntax? Element(ExpressionSyntax? syntax, int index)
    {
        var elements = syntax switch
        {
            ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions.ToList(),
            ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions.ToList(),
            CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(static e => e.Expression).ToList(),
            _ => null,
        };
        return elements is not null && index < elements.Count ? elements[index] : null;
    }
}
