namespace Endpoints.Generator.Diagnostics;

internal static partial class DiagnosticDescriptors
{
    /// <summary>What is wrong with a route pattern: the texts that fill WS0022's (<see cref="InvalidPattern"/>) slot.</summary>
    public static class PatternAdvice
    {
        public const string Empty = "the pattern is empty";

        public const string TildeWithoutSlash = "'~' may only start a pattern as '~/'";

        public static string QueryString(string query)
            => $"'{query}' is a query string, but a route pattern matches only the path; remove it and take query values with [FromQuery]";

        public static string EmptySegment(int position) => $"the '/' at position {position} follows another '/'; remove the empty segment";

        public static string CatchAllNotLast(string name) => $"the catch-all parameter '{name}' must be the last thing in the pattern";

        public static string UnopenedBrace(int position) => $"the '}}' at position {position} closes no parameter (write '}}}}' for a literal brace)";

        public static string UnclosedBrace(int position) => $"the '{{' at position {position} is not closed";

        public static string NamelessParameter(int position) => $"the parameter at position {position} has no name";

        public static string RepeatedParameter(string name) => $"the parameter '{name}' appears twice";

        public static string OptionalCatchAll(string name) => $"the catch-all parameter '{name}' cannot also be optional (a catch-all already matches nothing)";

        public static string OptionalWithDefault(string name) => $"the parameter '{name}' is optional and has a default value; keep one of the two";

        public static string InvalidParameterName(string name) => $"'{name}' is not a valid parameter name";

        public static string NotAnIdentifier(string name, string identifier)
            => $"no callback parameter can take the route value '{name}', because it is not a C# identifier; rename it, e.g. '{{{identifier}}}'";

        public static string CatchAllSharesSegment(string name) => $"the catch-all parameter '{name}' must be a path segment of its own";

        public static string OptionalNotLastInSegment(string name) => $"the optional parameter '{name}' must be at the end of its segment";

        public static string OptionalNotAfterDot(string name) => $"the optional parameter '{name}' may only follow a '.' in its segment";

        public static string AdjacentParameters(string first, string second)
            => $"the parameters '{first}' and '{second}' follow each other with nothing between them, so neither knows where it ends; put a literal between them";
    }
}
