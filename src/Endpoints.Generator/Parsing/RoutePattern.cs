using System;
using System.Collections.Generic;
using System.Text;
using Endpoints.Generator.Diagnostics;

namespace Endpoints.Generator.Parsing;

/// <summary>One route parameter: its name and where it is written in the pattern.</summary>
internal sealed class RouteParameter(string name, int start, int length, IReadOnlyList<string> constraints, bool isOptional, bool isCatchAll, bool hasDefault)
{
    public string Name { get; } = name;

    /// <summary>Where <c>{…}</c> starts in the pattern string, and its length.</summary>
    public int Start { get; } = start;

    public int Length { get; } = length;

    /// <summary>The constraint names (<c>int</c>, <c>range</c>, …), without arguments.</summary>
    public IReadOnlyList<string> Constraints { get; } = constraints;

    public bool IsOptional { get; } = isOptional;

    public bool IsCatchAll { get; } = isCatchAll;

    public bool HasDefault { get; } = hasDefault;
}

/// <summary>
/// Reads an ASP.NET Core route template and rejects what <c>RoutePatternFactory.Parse</c> rejects, with a message
/// that says what to change. On top of ASP.NET Core's rules, parameter names must be C# identifiers (a callback
/// parameter takes a route value by name), and a '?' outside a parameter is recognised as a query string.
/// </summary>
internal sealed class RoutePattern
{
    /// <summary>The route constraints ASP.NET Core registers by default.</summary>
    public static readonly string[] KnownConstraints =
    {
        "int", "bool", "datetime", "decimal", "double", "float", "guid", "long",
        "minlength", "maxlength", "length", "min", "max", "range", "alpha", "regex", "required", "file", "nonfile",
    };

    private readonly string _pattern;
    private readonly List<RouteParameter> _parameters = new();
    private readonly StringBuilder _key = new();
    private int _index;

    private RoutePattern(string pattern) => _pattern = pattern;

    public IReadOnlyList<RouteParameter> Parameters => _parameters;

    /// <summary>The pattern without case, parameter names or a trailing '/': two endpoints with one key match the same requests.</summary>
    public string MatchKey { get; private set; } = "";

    /// <summary>Why the pattern is not valid, or null.</summary>
    public string? Error { get; private set; }

    public static RoutePattern Parse(string pattern)
    {
        var route = new RoutePattern(pattern);
        route.Error = route.ParseAll();
        route.MatchKey = route._key.ToString().TrimEnd('/');
        return route;
    }

    /// <summary>A pattern that could not be read at all (empty): no parameters are known.</summary>
    public static RoutePattern Unreadable(string pattern) => new(pattern) { Error = DiagnosticDescriptors.PatternAdvice.Empty };

    /// <summary>The parameter names (compatibility helper for tests and the binder).</summary>
    public static List<string> Parse(string pattern, out string? error, out string matchKey)
    {
        var route = Parse(pattern);
        error = route.Error;
        matchKey = route.MatchKey;
        return route._parameters.ConvertAll(static p => p.Name);
    }

    private string? ParseAll()
    {
        var query = QueryStart();
        if (query >= 0)
        {
            return DiagnosticDescriptors.PatternAdvice.QueryString(_pattern.Substring(query));
        }
        if (_pattern.StartsWith("~/", StringComparison.Ordinal)) _index = 2;
        else if (_pattern.StartsWith("/", StringComparison.Ordinal)) _index = 1;
        else if (_pattern.StartsWith("~", StringComparison.Ordinal)) return DiagnosticDescriptors.PatternAdvice.TildeWithoutSlash;
        _key.Append('/');

        var segments = new List<List<Part>>();
        while (_index < _pattern.Length)
        {
            if (_pattern[_index] == '/') return DiagnosticDescriptors.PatternAdvice.EmptySegment(_index + 1);
            var segment = new List<Part>();
            var error = ParseSegment(segment);
            if (error is not null) return error;
            segments.Add(segment);
            if (_index < _pattern.Length)
            {
                _index++; // the separator
                _key.Append('/');
            }
        }

        for (var i = 0; i < segments.Count; i++)
        {
            for (var j = 0; j < segments[i].Count; j++)
            {
                if (segments[i][j].Parameter is { IsCatchAll: true } catchAll && (i != segments.Count - 1 || j != segments[i].Count - 1))
                {
                    return DiagnosticDescriptors.PatternAdvice.CatchAllNotLast(catchAll.Name);
                }
            }
        }
        return null;
    }

    /// <summary>Where a '?' outside any parameter starts, or -1.</summary>
    private int QueryStart()
    {
        var depth = 0;
        for (var i = 0; i < _pattern.Length; i++)
        {
            var c = _pattern[i];
            if (c == '{') depth++;
            else if (c == '}' && depth > 0) depth--;
            else if (c == '?' && depth == 0) return i;
        }
        return -1;
    }

    private string? ParseSegment(List<Part> parts)
    {
        while (_index < _pattern.Length && _pattern[_index] != '/')
        {
            var isParameter = _pattern[_index] == '{' && !(_index + 1 < _pattern.Length && _pattern[_index + 1] == '{');
            var error = isParameter ? ParseParameter(parts) : ParseLiteral(parts);
            if (error is not null) return error;
        }
        return CheckSegment(parts);
    }

    private string? ParseLiteral(List<Part> parts)
    {
        var text = new StringBuilder();
        while (_index < _pattern.Length && _pattern[_index] != '/')
        {
            var c = _pattern[_index];
            if (c == '{')
            {
                if (_index + 1 < _pattern.Length && _pattern[_index + 1] == '{')
                {
                    text.Append('{');
                    _index += 2;
                    continue;
                }
                break; // a parameter starts
            }
            if (c == '}')
            {
                if (_index + 1 < _pattern.Length && _pattern[_index + 1] == '}')
                {
                    text.Append('}');
                    _index += 2;
                    continue;
                }
                return DiagnosticDescriptors.PatternAdvice.UnopenedBrace(_index + 1);
            }
            text.Append(c);
            _index++;
        }
        parts.Add(new Part(text.ToString(), null));
        _key.Append(Escape(text.ToString()).ToLowerInvariant());
        return null;
    }

    private string? ParseParameter(List<Part> parts)
    {
        var start = _index;
        _index++; // '{'
        var inside = new StringBuilder();
        while (true)
        {
            if (_index >= _pattern.Length) return DiagnosticDescriptors.PatternAdvice.UnclosedBrace(start + 1);
            var c = _pattern[_index];
            if (c == '{')
            {
                if (_index + 1 < _pattern.Length && _pattern[_index + 1] == '{')
                {
                    inside.Append('{');
                    _index += 2;
                    continue;
                }
                return DiagnosticDescriptors.PatternAdvice.UnclosedBrace(start + 1);
            }
            if (c == '}')
            {
                if (_index + 1 < _pattern.Length && _pattern[_index + 1] == '}')
                {
                    inside.Append('}');
                    _index += 2;
                    continue;
                }
                _index++;
                break;
            }
            inside.Append(c);
            _index++;
        }

        var text = inside.ToString();
        if (text.Length == 0) return DiagnosticDescriptors.PatternAdvice.NamelessParameter(start + 1);
        var parameter = ReadParameter(text, start, _index - start, out var error);
        if (error is not null) return error;
        foreach (var existing in _parameters)
        {
            if (string.Equals(existing.Name, parameter!.Name, StringComparison.OrdinalIgnoreCase)) return DiagnosticDescriptors.PatternAdvice.RepeatedParameter(parameter.Name);
        }
        _parameters.Add(parameter!);
        parts.Add(new Part(text, parameter));
        // Names do not change what a pattern matches; constraints, defaults and optionality do.
        var rest = text.Substring(parameter!.IsCatchAll ? (text.StartsWith("**", StringComparison.Ordinal) ? 2 : 1) : 0).Substring(parameter.Name.Length);
        _key.Append('{').Append(parameter.IsCatchAll ? "*" : "").Append(rest.ToLowerInvariant()).Append('}');
        return null;
    }

    /// <summary>Splits <c>**name:constraint(arg):other=default?</c> into its pieces, as ASP.NET Core's parameter parser does.</summary>
    private static RouteParameter? ReadParameter(string text, int start, int length, out string? error)
    {
        error = null;
        // "**name" is a catch-all that keeps '/' unencoded, "*name" one that encodes it.
        var stars = text.StartsWith("**", StringComparison.Ordinal) ? 2 : text.StartsWith("*", StringComparison.Ordinal) ? 1 : 0;
        var catchAll = stars > 0;
        var body = text.Substring(stars);
        var optional = body.EndsWith("?", StringComparison.Ordinal);
        if (optional) body = body.Substring(0, body.Length - 1);

        // The name runs to the first ':' or '=' (a leading one is part of the name, which is then invalid).
        var end = body.Length;
        for (var i = 1; i < body.Length; i++)
        {
            if (body[i] is ':' or '=')
            {
                end = i;
                break;
            }
        }
        var name = body.Substring(0, end);
        var rest = body.Substring(end);
        var constraints = new List<string>();
        string? defaultValue = null;
        var position = 0;
        while (position < rest.Length)
        {
            if (rest[position] == '=')
            {
                defaultValue = rest.Substring(position + 1);
                break;
            }
            // rest[position] == ':' — a constraint, possibly with arguments in parentheses that may hold ':' or '='.
            var constraintStart = position + 1;
            var nameEnd = constraintStart;
            while (nameEnd < rest.Length && rest[nameEnd] is not (':' or '=' or '(')) nameEnd++;
            var next = nameEnd;
            if (next < rest.Length && rest[next] == '(')
            {
                var close = rest.IndexOf(')', next);
                next = close < 0 ? rest.Length : close + 1;
                while (next < rest.Length && rest[next] is not (':' or '='))
                {
                    close = rest.IndexOf(')', next);
                    next = close < 0 ? rest.Length : close + 1;
                }
            }
            if (nameEnd > constraintStart) constraints.Add(rest.Substring(constraintStart, nameEnd - constraintStart));
            position = next;
        }

        if (catchAll && optional)
        {
            error = DiagnosticDescriptors.PatternAdvice.OptionalCatchAll(name);
            return null;
        }
        if (optional && defaultValue is not null)
        {
            error = DiagnosticDescriptors.PatternAdvice.OptionalWithDefault(name);
            return null;
        }
        if (name.Length == 0 || name.IndexOfAny(new[] { '/', '{', '}', '?', '*' }) >= 0)
        {
            error = DiagnosticDescriptors.PatternAdvice.InvalidParameterName(name);
            return null;
        }
        if (!IsCSharpIdentifier(name))
        {
            error = DiagnosticDescriptors.PatternAdvice.NotAnIdentifier(name, ToIdentifier(name));
            return null;
        }
        return new RouteParameter(name, start, length, constraints, optional, catchAll, defaultValue is not null);
    }

    private static string? CheckSegment(List<Part> parts)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            var parameter = parts[i].Parameter;
            if (parameter is null) continue;
            if (parameter.IsCatchAll && parts.Count > 1)
            {
                return DiagnosticDescriptors.PatternAdvice.CatchAllSharesSegment(parameter.Name);
            }
            if (parameter.IsOptional && parts.Count > 1)
            {
                if (i != parts.Count - 1)
                {
                    return DiagnosticDescriptors.PatternAdvice.OptionalNotLastInSegment(parameter.Name);
                }
                if (parts[i - 1].Parameter is not null || parts[i - 1].Text != ".")
                {
                    return DiagnosticDescriptors.PatternAdvice.OptionalNotAfterDot(parameter.Name);
                }
            }
            if (i > 0 && parts[i - 1].Parameter is { } previous)
            {
                return DiagnosticDescriptors.PatternAdvice.AdjacentParameters(previous.Name, parameter.Name);
            }
        }
        return null;
    }

    private static bool IsCSharpIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_')) return false;
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }

    private static string ToIdentifier(string name)
    {
        var text = new StringBuilder();
        var upper = false;
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else upper = text.Length > 0;
        }
        if (text.Length == 0 || char.IsDigit(text[0])) text.Insert(0, 'p');
        return text.ToString();
    }

    private static string Escape(string literal) => literal.Replace("{", "{{").Replace("}", "}}");

    private sealed class Part(string text, RouteParameter? parameter)
    {
        public string Text { get; } = text;

        public RouteParameter? Parameter { get; } = parameter;
    }
}
