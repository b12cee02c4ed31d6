using System;
using System.Collections.Generic;

namespace Endpoints.Generator.Parsing;

/// <summary>Reads the parameter names out of an ASP.NET Core route template.</summary>
internal static class RoutePattern
{
    /// <summary>
    /// The names of <c>{name}</c>, <c>{name:constraint}</c>, <c>{name?}</c>, <c>{name=default}</c> and
    /// <c>{*name}</c> segments; <c>{{</c> and <c>}}</c> are literal braces.
    /// </summary>
    public static List<string> ParameterNames(string pattern)
    {
        var names = new List<string>();
        var i = 0;
        while (i < pattern.Length)
        {
            var open = pattern.IndexOf('{', i);
            if (open < 0) break;
            if (open + 1 < pattern.Length && pattern[open + 1] == '{')
            {
                i = open + 2;
                continue;
            }
            var close = pattern.IndexOf('}', open + 1);
            if (close < 0) break;
            var name = pattern.Substring(open + 1, close - open - 1).TrimStart('*');
            var end = name.IndexOfAny(new[] { ':', '=', '?' });
            if (end >= 0) name = name.Substring(0, end);
            name = name.Trim();
            if (name.Length > 0 && !names.Exists(existing => string.Equals(existing, name, StringComparison.OrdinalIgnoreCase)))
            {
                names.Add(name);
            }
            i = close + 1;
        }
        return names;
    }
}
