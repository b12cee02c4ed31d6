using System.Collections.Generic;
using System.Text;
using Endpoints.Generator.Model;
using static Endpoints.Generator.Emitting.EmitterText;

namespace Endpoints.Generator.Emitting;

/// <summary>
/// Writes the assembly's module (a public class naming every endpoint's map method, found by referencing projects
/// through an assembly attribute) and the internal <c>MapWebSocketEndpoints()</c> / <c>MapWebSocketEndpoint&lt;T&gt;()</c>.
/// </summary>
internal static class ModuleEmitter
{
    public const string HintName = "WebSocketEndpoints.g.cs";

    public static string Emit(IReadOnlyList<EndpointSpec> endpoints, ModuleSpec module, string version)
    {
        var writer = Header();
        var ownModule = "global::" + GeneratedNamespace + "." + module.ModuleClassName;
        var modules = new List<string>();
        if (endpoints.Count > 0)
        {
            modules.Add(ownModule);
            WriteModule(writer, endpoints, module, ownModule, version);
        }
        modules.AddRange(module.ReferencedModules);
        WriteExtensions(writer, module, modules, version);
        return writer.ToString();
    }

    private static void WriteModule(SourceWriter writer, IReadOnlyList<EndpointSpec> endpoints, ModuleSpec module, string ownModule, string version)
    {
        writer.Line($"[assembly: {RuntimeContract.ModuleAttribute}(typeof({ownModule}))]");
        writer.Line();
        writer.Open("namespace " + GeneratedNamespace);
        writer.Line("/// <summary>The WebSocket endpoints of this assembly, for <c>MapWebSocketEndpoints()</c> here and in projects that reference it.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Line("[global::System.ComponentModel.EditorBrowsableAttribute(global::System.ComponentModel.EditorBrowsableState.Never)]");
        writer.Open("public static partial class " + module.ModuleClassName);
        writer.Line("/// <summary>Maps every WebSocket endpoint of this assembly into <paramref name=\"group\"/>.</summary>");
        writer.Open($"public static void MapAll({RouteBuilder} routes, {RuntimeContract.ConventionBuilder} group)");
        foreach (var endpoint in endpoints) writer.Line($"group.Add({EndpointEmitter.MapMethodName(endpoint)}(routes));");
        writer.Close();
        writer.Line();
        writer.Line("/// <summary>Maps <typeparamref name=\"TEndpoint\"/> if it is an endpoint of this assembly; returns null otherwise.</summary>");
        writer.Open($"public static {EndpointConventionBuilder}? TryMap<TEndpoint>({RouteBuilder} routes)");
        foreach (var endpoint in endpoints)
        {
            writer.Line($"if (typeof(TEndpoint) == typeof({endpoint.TypeName})) return {EndpointEmitter.MapMethodName(endpoint)}(routes);");
        }
        writer.Line("return null;");
        writer.Close();
        writer.Close();
        writer.Close();
        writer.Line();
    }

    private static void WriteExtensions(SourceWriter writer, ModuleSpec module, List<string> modules, string version)
    {
        writer.Open("namespace Microsoft.AspNetCore.Builder");
        writer.Line("/// <summary>Maps the WebSocket endpoints of this project and of the projects it references.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open("internal static class WebSocketEndpointRouteBuilderExtensions_" + module.AssemblyIdentifier);
        writer.Line("/// <summary>");
        writer.Line("/// Maps every [WebSocketEndpoint] class of this project and of the projects it references. A convention");
        writer.Line("/// added to the returned builder (such as <c>RequireAuthorization()</c>) applies to all of them.");
        writer.Line("/// </summary>");
        writer.Open($"internal static {RuntimeContract.ConventionBuilder} MapWebSocketEndpoints(this {RouteBuilder} routes)");
        writer.Line("global::System.ArgumentNullException.ThrowIfNull(routes);");
        writer.Line($"var group = new {RuntimeContract.ConventionBuilder}();");
        foreach (var owner in modules) writer.Line($"{owner}.MapAll(routes, group);");
        writer.Line("return group;");
        writer.Close();
        writer.Line();
        writer.Line("/// <summary>Maps one [WebSocketEndpoint] class of this project or of a project it references.</summary>");
        writer.Open($"internal static {EndpointConventionBuilder} MapWebSocketEndpoint<TEndpoint>(this {RouteBuilder} routes) where TEndpoint : class");
        writer.Line("global::System.ArgumentNullException.ThrowIfNull(routes);");
        const string notAnEndpoint = "throw new global::System.InvalidOperationException(typeof(TEndpoint).FullName + \" is not a [WebSocketEndpoint] class of this project or of a project it references.\");";
        if (modules.Count == 0)
        {
            // Every endpoint of the project has an error (reported where it is): nothing to map yet.
            writer.Line(notAnEndpoint);
        }
        else
        {
            var lookup = new StringBuilder("return ");
            foreach (var owner in modules) lookup.Append(owner).Append(".TryMap<TEndpoint>(routes)\n    ?? ");
            writer.Line(lookup.ToString().Replace("\n", "\n" + new string(' ', 12)) + notAnEndpoint);
        }
        writer.Close();
        writer.Close();
        writer.Close();
    }
}
