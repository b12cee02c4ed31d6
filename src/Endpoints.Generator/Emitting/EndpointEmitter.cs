using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Endpoints.Generator.Model;

namespace Endpoints.Generator.Emitting;

/// <summary>Writes the C# for one endpoint and for the assembly's module, from specs alone.</summary>
internal static class EndpointEmitter
{
    private const string Routing = "global::Endpoints.Runtime.WebSocketEndpointRouting";
    private const string Runner = "global::Endpoints.Runtime.WebSocketEndpointRunner";
    private const string ValueTask = "global::System.Threading.Tasks.ValueTask";
    private const string ServiceExtensions = "global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions";
    private const string ConventionBuilder = "global::Microsoft.AspNetCore.Builder.IEndpointConventionBuilder";
    private const string RouteBuilder = "global::Microsoft.AspNetCore.Routing.IEndpointRouteBuilder";
    private const string GroupBuilder = "global::Endpoints.Runtime.WebSocketEndpointConventionBuilder";
    private const string GeneratedNamespace = "Endpoints.Generated";

    public static string GeneratedCodeAttribute(string version)
        => $"[global::System.CodeDom.Compiler.GeneratedCodeAttribute(\"Endpoints.Generator\", \"{version}\")]";

    public static string EmitEndpoint(EndpointSpec spec, string moduleClassName, string version)
    {
        var writer = Header();
        var dispatcher = spec.Identifier + "_Dispatcher";
        var handler = spec.Identifier + "_Handler";

        writer.Open("namespace " + GeneratedNamespace);
        writer.Open("partial class " + moduleClassName);
        writer.Line($"/// <summary>Maps <see cref=\"{spec.TypeName}\"/> at <c>{Xml(spec.Pattern)}</c>.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Line($"public static {ConventionBuilder} {MapMethodName(spec)}({RouteBuilder} routes)");
        if (spec.Metadata.Count == 0)
        {
            writer.Line($"    => {Routing}.Map(routes, {Literal(spec.Pattern)}, {Literal(spec.DisplayName)}, {dispatcher}.AcceptAsync);");
        }
        else
        {
            writer.Line($"    => {Routing}.Map(routes, {Literal(spec.Pattern)}, {Literal(spec.DisplayName)}, {dispatcher}.AcceptAsync,");
            for (var i = 0; i < spec.Metadata.Count; i++)
            {
                writer.Line("        " + spec.Metadata[i] + (i == spec.Metadata.Count - 1 ? ");" : ","));
            }
        }
        writer.Close();
        writer.Line();

        writer.Line("/// <summary>Checks the request and binds route, query and header values before the upgrade; a bad request gets 400.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open("file static class " + dispatcher);
        WriteSettings(writer, spec);
        writer.Line();
        writer.Open("public static global::System.Threading.Tasks.Task AcceptAsync(global::Microsoft.AspNetCore.Http.HttpContext context)");
        writer.Line($"if (!context.WebSockets.IsWebSocketRequest) return {Routing}.RejectNonWebSocketRequest(context);");
        foreach (var value in spec.RequestValues) WriteRequestValueBinding(writer, value);
        var routeArguments = Join(spec.RequestValues, static value => value.VariableName);
        writer.Line($"return {Runner}.RunAsync(context, new {handler}({routeArguments}), s_settings);");
        writer.Close();
        writer.Close();
        writer.Line();

        WriteHandler(writer, spec, handler, version);
        writer.Close();
        return writer.ToString();
    }

    public static string EmitModule(IReadOnlyList<EndpointSpec> endpoints, ModuleSpec module, string version)
    {
        var writer = Header();
        var ownModule = "global::" + GeneratedNamespace + "." + module.ModuleClassName;
        var modules = new List<string>();
        if (endpoints.Count > 0)
        {
            modules.Add(ownModule);
            writer.Line($"[assembly: global::Endpoints.WebSocketEndpointModuleAttribute(typeof({ownModule}))]");
            writer.Line();
            writer.Open("namespace " + GeneratedNamespace);
            writer.Line("/// <summary>The WebSocket endpoints of this assembly, for <c>MapWebSocketEndpoints()</c> here and in projects that reference it.</summary>");
            writer.Line(GeneratedCodeAttribute(version));
            writer.Line("[global::System.ComponentModel.EditorBrowsableAttribute(global::System.ComponentModel.EditorBrowsableState.Never)]");
            writer.Open("public static partial class " + module.ModuleClassName);
            writer.Line("/// <summary>Maps every WebSocket endpoint of this assembly into <paramref name=\"group\"/>.</summary>");
            writer.Open($"public static void MapAll({RouteBuilder} routes, {GroupBuilder} group)");
            foreach (var endpoint in endpoints) writer.Line($"group.Add({MapMethodName(endpoint)}(routes));");
            writer.Close();
            writer.Line();
            writer.Line("/// <summary>Maps <typeparamref name=\"TEndpoint\"/> if it is an endpoint of this assembly; returns null otherwise.</summary>");
            writer.Open($"public static {ConventionBuilder}? TryMap<TEndpoint>({RouteBuilder} routes)");
            foreach (var endpoint in endpoints)
            {
                writer.Line($"if (typeof(TEndpoint) == typeof({endpoint.TypeName})) return {MapMethodName(endpoint)}(routes);");
            }
            writer.Line("return null;");
            writer.Close();
            writer.Close();
            writer.Close();
            writer.Line();
        }
        modules.AddRange(module.ReferencedModules);

        writer.Open("namespace Microsoft.AspNetCore.Builder");
        writer.Line("/// <summary>Maps the WebSocket endpoints of this project and of the projects it references.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open("internal static class WebSocketEndpointRouteBuilderExtensions_" + module.AssemblyIdentifier);
        writer.Line("/// <summary>");
        writer.Line("/// Maps every [WebSocketEndpoint] class of this project and of the projects it references. A convention");
        writer.Line("/// added to the returned builder (such as <c>RequireAuthorization()</c>) applies to all of them.");
        writer.Line("/// </summary>");
        writer.Open($"internal static {GroupBuilder} MapWebSocketEndpoints(this {RouteBuilder} routes)");
        writer.Line("global::System.ArgumentNullException.ThrowIfNull(routes);");
        writer.Line($"var group = new {GroupBuilder}();");
        foreach (var owner in modules) writer.Line($"{owner}.MapAll(routes, group);");
        writer.Line("return group;");
        writer.Close();
        writer.Line();
        writer.Line("/// <summary>Maps one [WebSocketEndpoint] class of this project or of a project it references.</summary>");
        writer.Open($"internal static {ConventionBuilder} MapWebSocketEndpoint<TEndpoint>(this {RouteBuilder} routes) where TEndpoint : class");
        writer.Line("global::System.ArgumentNullException.ThrowIfNull(routes);");
        var lookup = new StringBuilder("return ");
        foreach (var owner in modules) lookup.Append(owner).Append(".TryMap<TEndpoint>(routes)\n    ?? ");
        writer.Line(lookup.ToString().Replace("\n", "\n" + new string(' ', 12))
            + "throw new global::System.InvalidOperationException(typeof(TEndpoint).FullName + \" is not a [WebSocketEndpoint] class of this project or of a project it references.\");");
        writer.Close();
        writer.Close();
        writer.Close();
        return writer.ToString();
    }

    private static void WriteSettings(SourceWriter writer, EndpointSpec spec)
    {
        writer.Line("private static readonly global::Endpoints.Runtime.WebSocketEndpointSettings s_settings = new()");
        writer.Line("{");
        writer.Line($"    Name = {Literal(spec.DisplayName)},");
        if (spec.MaxMessageSize > 0) writer.Line($"    MaxMessageSize = {spec.MaxMessageSize.ToString(CultureInfo.InvariantCulture)},");
        if (spec.SubProtocols.Count > 0) writer.Line($"    SubProtocols = new string[] {{ {Join(spec.SubProtocols, Literal)} }},");
        if (spec.AllowedOrigins.Count > 0) writer.Line($"    AllowedOrigins = new string[] {{ {Join(spec.AllowedOrigins, Literal)} }},");
        if (spec.EnableCompression) writer.Line("    EnableCompression = true,");
        writer.Line("};");
    }

    private static void WriteRequestValueBinding(SourceWriter writer, RequestValueSpec route)
    {
        var name = route.VariableName;
        var getter = route.Source switch
        {
            RequestValueSource.Query => "GetQueryValue",
            RequestValueSource.Header => "GetHeaderValue",
            _ => "GetRouteValue",
        };
        var what = Parsing.EndpointParser.Describe(route.Source);
        var getValue = $"{Routing}.{getter}(context, {Literal(route.Key)})";
        var missing = $"return {Routing}.BadRequest(context, {Literal($"The {what} '{route.Key}' is missing.")});";
        if (route.Parse == ValueParse.None)
        {
            writer.Line($"var {name} = {getValue};");
            if (!route.Optional) writer.Line($"if ({name} is null) {missing}");
            return;
        }

        var parsedDisplay = route.ParsedTypeName.Replace("global::", "");
        var invalid = $"return {Routing}.BadRequest(context, {Literal($"The {what} '{route.Key}' is not a valid {parsedDisplay}.")});";
        var raw = name + "_raw";
        var parse = route.Parse switch
        {
            ValueParse.Enum => $"global::System.Enum.TryParse<{route.ParsedTypeName}>({raw}, ignoreCase: true, out var {{0}})",
            ValueParse.TryParseWithFormatProvider => $"{route.ParsedTypeName}.TryParse({raw}, global::System.Globalization.CultureInfo.InvariantCulture, out var {{0}})",
            _ => $"{route.ParsedTypeName}.TryParse({raw}, out var {{0}})",
        };
        writer.Line($"var {raw} = {getValue};");
        if (!route.Optional)
        {
            writer.Line($"if ({raw} is null) {missing}");
            writer.Line($"if (!{string.Format(CultureInfo.InvariantCulture, parse, name)}) {invalid}");
            return;
        }
        writer.Line($"{NullableTypeName(route)} {name} = null;");
        writer.Open($"if ({raw} is not null)");
        writer.Line($"if (!{string.Format(CultureInfo.InvariantCulture, parse, name + "_value")}) {invalid}");
        writer.Line($"{name} = {name}_value;");
        writer.Close();
    }

    private static void WriteHandler(SourceWriter writer, EndpointSpec spec, string handler, string version)
    {
        var parameters = Join(spec.RequestValues, static route => (route.Optional ? NullableTypeName(route) : route.TypeName) + " " + route.VariableName);
        writer.Line($"/// <summary>Calls the callbacks of <see cref=\"{spec.TypeName}\"/> for one connection and keeps its state.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open($"file sealed class {handler}{(parameters.Length > 0 ? "(" + parameters + ")" : "")} : global::Endpoints.Runtime.WebSocketEndpointHandler");
        writer.Line($"private {spec.TypeName} _endpoint = null!;");
        var keepsState = spec.StateType is not null && spec.OnOpen is not null;
        if (keepsState) writer.Line($"private {spec.StateType} _state = default!;");
        writer.Line();
        if (spec.OnText is not null) writer.Line("public override bool AcceptsText => true;");
        if (spec.OnBinary is not null) writer.Line("public override bool AcceptsBinary => true;");
        if (spec.OnText is not null || spec.OnBinary is not null) writer.Line();

        writer.Open("protected override void CreateEndpoint()");
        if (spec.ConstructorServices.Count == 0)
        {
            writer.Line($"_endpoint = new {spec.TypeName}();");
        }
        else
        {
            writer.Line($"_endpoint = new {spec.TypeName}(");
            for (var i = 0; i < spec.ConstructorServices.Count; i++)
            {
                var service = spec.ConstructorServices[i];
                var method = service.Required ? "GetRequiredService" : "GetService";
                var separator = i == spec.ConstructorServices.Count - 1 ? ");" : ",";
                writer.Line($"    {ServiceExtensions}.{method}<{service.TypeName}>(Services){separator}");
            }
        }
        writer.Close();

        WriteCallback(writer, spec, spec.OnOpen, "OnOpenAsync()", keepsState);
        WriteCallback(writer, spec, spec.OnText, "OnTextAsync(string text)", keepsState);
        WriteCallback(writer, spec, spec.OnBinary, "OnBinaryAsync(global::System.ReadOnlyMemory<byte> data)", keepsState);
        WriteCallback(writer, spec, spec.OnClose, "OnCloseAsync(global::Endpoints.WebSocketCloseInfo close)", keepsState);
        WriteCallback(writer, spec, spec.OnError, "OnErrorAsync(global::System.Exception error)", keepsState);
        writer.Close();
    }

    private static void WriteCallback(SourceWriter writer, EndpointSpec spec, CallbackSpec? callback, string signature, bool keepsState)
    {
        if (callback is null) return;
        var receiver = callback.IsStatic ? spec.TypeName : "_endpoint";
        var call = $"{receiver}.{callback.MethodName}({Join(callback.Arguments, Argument)})";
        writer.Line();
        switch (callback.Return)
        {
            case CallbackReturn.ValueTask:
                writer.Line($"protected override {ValueTask} {signature}");
                writer.Line($"    => {call};");
                break;
            case CallbackReturn.Task:
                writer.Line($"protected override {ValueTask} {signature}");
                writer.Line($"    => new {ValueTask}({call});");
                break;
            case CallbackReturn.TaskOfState:
            case CallbackReturn.ValueTaskOfState:
                writer.Open($"protected override async {ValueTask} {signature}");
                writer.Line(keepsState ? $"_state = await {call};" : $"await {call};");
                writer.Close();
                break;
            case CallbackReturn.State:
                writer.Open($"protected override {ValueTask} {signature}");
                writer.Line(keepsState ? $"_state = {call};" : $"{call};");
                writer.Line("return default;");
                writer.Close();
                break;
            default:
                writer.Open($"protected override {ValueTask} {signature}");
                writer.Line(call + ";");
                writer.Line("return default;");
                writer.Close();
                break;
        }
    }

    private static string Argument(ArgumentSpec argument) => argument.Source switch
    {
        ArgumentSource.Connection => "Connection",
        ArgumentSource.HttpContext => "Context",
        ArgumentSource.CancellationToken => "Connection.Closed",
        ArgumentSource.User => "Context.User",
        ArgumentSource.RequestValue => argument.Detail,
        ArgumentSource.Service => $"{ServiceExtensions}.GetRequiredService<{argument.Detail}>(Services)",
        ArgumentSource.OptionalService => $"{ServiceExtensions}.GetService<{argument.Detail}>(Services)",
        ArgumentSource.State => "_state",
        ArgumentSource.TextMessage => "text",
        ArgumentSource.BinaryMessage => "data",
        ArgumentSource.CloseInfo => "close",
        _ => "error",
    };

    public static string MapMethodName(EndpointSpec spec) => "Map_" + spec.Identifier;

    private static string NullableTypeName(RequestValueSpec route) => route.TypeName.EndsWith("?") ? route.TypeName : route.TypeName + "?";

    private static SourceWriter Header()
    {
        var writer = new SourceWriter();
        writer.Line("// <auto-generated/>");
        writer.Line("#nullable enable");
        writer.Line();
        return writer;
    }

    private static string Join<T>(IEnumerable<T> items, System.Func<T, string> format)
    {
        var text = new StringBuilder();
        foreach (var item in items)
        {
            if (text.Length > 0) text.Append(", ");
            text.Append(format(item));
        }
        return text.ToString();
    }

    /// <summary>A C# string literal for <paramref name="value"/>.</summary>
    public static string Literal(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    private static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
