using Microsoft.CodeAnalysis.Text;

namespace Endpoints.Generator.Tests.Infrastructure;

/// <summary>
/// Reads the Roslyn testing markup <c>{|WS0001:text|}</c>: returns the source without the markup and the
/// diagnostic ids expected at each marked span.
/// </summary>
internal static class Markup
{
    public static (string Source, List<(string Id, TextSpan Span)> Expected) Parse(string markup)
    {
        var source = new System.Text.StringBuilder();
        var expected = new List<(string, TextSpan)>();
        var i = 0;
        while (i < markup.Length)
        {
            var open = markup.IndexOf("{|", i, StringComparison.Ordinal);
            if (open < 0)
            {
                source.Append(markup, i, markup.Length - i);
                break;
            }
            source.Append(markup, i, open - i);
            var colon = markup.IndexOf(':', open);
            var id = markup[(open + 2)..colon];
            var close = markup.IndexOf("|}", colon, StringComparison.Ordinal);
            var text = markup[(colon + 1)..close];
            expected.Add((id, new TextSpan(source.Length, text.Length)));
            source.Append(text);
            i = close + 2;
        }
        return (source.ToString(), expected);
    }
}
