using System;
using System.Collections.Generic;
using System.Text;

namespace Endpoints.Generator.Parsing;

/// <summary>Reads and checks an ASP.NET Core route template, as far as the generator needs to.</summary>
internal static class RoutePattern
{
    /// <summary>
    /// The parameter names of <paramref name="pattern"/> (<c>{name}</c>, <c>{name:constraint}</c>, <c>{name?}</c>,
    /// <c>{name=default}</c>, <c>{*name}</c>; <c>{{</c> and <c>}}</c> are literal braces), or the reason it is not valid.
    /// </summary>
    public static List<string> Parse(string pattern, out string? error, out string matchKey)
    {
        var names = new List<string>();
        var key = new StringBuilder();
        error = null;
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '}')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '}')
                {
                    key.Append("}}");
                    i += 2;
                    continue;
                }
                error = $"the '}}' at position {i + 1} closes no parameter (write '}}}}' for a literal brace)";
                break;
            }
            if (c != '{')
            {
                key.Append(char.ToLowerInvariant(c));
                i++;
                continue;
            }
            if (i + 1 < pattern.Length && pattern[i + 1] == '{')
            {
                key.Append("{{");
                i += 2;
                continue;
            }
            var close = pattern.IndexOf('}', i + 1);
            var nextOpen = pattern.IndexOf('{', i + 1);
            if (close < 0 || (nextOpen >= 0 && nextOpen < close))
            {
                error = $"the '{{' at position {i + 1} is not closed";
                break;
            }
            var body = pattern.Substring(i + 1, close - i - 1);
            var name = body.TrimStart('*');
            var end = name.IndexOfAny(new[] { ':', '=', '?' });
            var rest = end >= 0 ? name.Substring(end) : "";
            if (end >= 0) name = name.Substring(0, end);
            if (name.Length == 0)
            {
                error = $"the parameter at position {i + 1} has no name";
                break;
            }
            if (!IsValidName(name))
            {
                error = $"the parameter name '{name}' may only contain letters, digits and '_'";
                break;
            }
            if (names.Exists(existing => string.Equals(existing, name, StringComparison.OrdinalIgnoreCase)))
            {
                error = $"the parameter '{name}' appears twice";
                break;
            }
            names.Add(name);
            // Parameter names do not change what a pattern matches; constraints and optionality do.
            key.Append('{').Append(body.StartsWith("*", StringComparison.Ordinal) ? "*" : "").Append(rest.ToLowerInvariant()).Append('}');
            i = close + 1;
        }
        matchKey = key.ToString().TrimEnd('/');
        return names;
    }

    private static bool IsValidName(string name)
    {
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }
}
