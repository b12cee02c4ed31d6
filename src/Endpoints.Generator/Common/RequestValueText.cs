using Endpoints.Generator.Model;

namespace Endpoints.Generator.Common;

/// <summary>How messages and generated 400 responses name a request value's source.</summary>
internal static class RequestValueText
{
    public static string Describe(RequestValueSource source) => source switch
    {
        RequestValueSource.Query => "query value",
        RequestValueSource.Header => "header",
        _ => "route value",
    };
}
