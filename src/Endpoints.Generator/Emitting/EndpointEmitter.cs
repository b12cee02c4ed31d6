using System.Globalization;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using static Endpoints.Generator.Emitting.EmitterText;

namespace Endpoints.Generator.Emitting;

/// <summary>
/// Writes the C# for one endpoint from its spec alone: a map method on the assembly's module, and one handler
/// class that checks the request and binds its values before the upgrade (a bad request gets 400), creates the
/// endpoint instance and calls its callbacks with bound arguments, keeping the state OnOpen returned.
/// </summary>
internal static class EndpointEmitter
{
    public static string MapMethodName(EndpointSpec spec) => "Map_" + spec.Identifier;

    public static string HandlerName(EndpointSpec spec) => spec.Identifier + "_Handler";

    public static string Emit(EndpointSpec spec, string moduleClassName, string version)
    {
        var writer = Header();
        writer.Open("namespace " + GeneratedNamespace);
        WriteMapMethod(writer, spec, moduleClassName, version);
        writer.Line();
        WriteHandler(writer, spec, version);
        if (spec.Typed is { Sent.Count: > 0 } typed)
        {
            writer.Line();
            TypedMessageEmitter.WriteCodec(writer, spec, typed, version);
        }
        writer.Close();
        return writer.ToString();
    }

    private static void WriteMapMethod(SourceWriter writer, EndpointSpec spec, string moduleClassName, string version)
    {
        writer.Open("partial class " + moduleClassName);
        writer.Line($"/// <summary>Maps <see cref=\"{spec.TypeName}\"/> at <c>{CSharpText.Xml(spec.Pattern)}</c>.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Line($"public static {EndpointConventionBuilder} {MapMethodName(spec)}({RouteBuilder} routes)");
        var call = $"    => {RuntimeContract.Routing}.{RuntimeContract.Map}(routes, {HandlerName(spec)}.Settings, {HandlerName(spec)}.AcceptAsync";
        if (spec.Metadata.Count == 0)
        {
            writer.Line(call + ");");
        }
        else
        {
            writer.Line(call + ",");
            for (var i = 0; i < spec.Metadata.Count; i++) writer.Line("        " + spec.Metadata[i] + (i == spec.Metadata.Count - 1 ? ");" : ","));
        }
        writer.Close();
    }

    private static void WriteHandler(SourceWriter writer, EndpointSpec spec, string version)
    {
        var handler = HandlerName(spec);
        var parameters = Join(spec.RequestValues, static value => (value.Optional ? NullableTypeName(value) : value.TypeName) + " " + value.VariableName);
        writer.Line($"/// <summary>Runs <see cref=\"{spec.TypeName}\"/> for one connection: binds the request, calls the callbacks, keeps the state.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open($"file sealed class {handler}{(parameters.Length > 0 ? "(" + parameters + ")" : "")} : {RuntimeContract.Handler}");
        WriteSettings(writer, spec);
        writer.Line();
        WriteAccept(writer, spec, handler);
        writer.Line();

        writer.Line($"private {spec.TypeName} _endpoint = null!;");
        var keepsState = spec.StateType is not null && spec.OnOpen is not null;
        if (keepsState) writer.Line($"private {spec.StateType} _state = default!;");
        writer.Line();
        var streamsText = Takes(spec.OnText, ArgumentSource.TextStream);
        var streamsBinary = Takes(spec.OnBinary, ArgumentSource.BinaryStream);
        if (spec.OnText is not null) writer.Line($"public override bool {(streamsText ? RuntimeContract.StreamsText : RuntimeContract.AcceptsText)} => true;");
        if (spec.OnBinary is not null) writer.Line($"public override bool {(streamsBinary ? RuntimeContract.StreamsBinary : RuntimeContract.AcceptsBinary)} => true;");
        var receivesTyped = spec.Typed is { Received.Count: > 0 };
        if (receivesTyped) writer.Line($"public override bool {RuntimeContract.AcceptsText} => true;");
        if (spec.OnText is not null || spec.OnBinary is not null || receivesTyped) writer.Line();

        WriteCreateEndpoint(writer, spec);
        if (receivesTyped) TypedMessageEmitter.WriteDispatch(writer, spec, spec.Typed!);
        WriteCallback(writer, spec, spec.OnOpen, $"{RuntimeContract.OnOpenAsync}()", keepsState);
        WriteCallback(writer, spec, spec.OnText, streamsText
            ? $"{RuntimeContract.OnTextStreamAsync}(global::System.IO.TextReader text)"
            : $"{RuntimeContract.OnTextAsync}(global::System.ReadOnlyMemory<byte> utf8)", keepsState);
        WriteCallback(writer, spec, spec.OnBinary, streamsBinary
            ? $"{RuntimeContract.OnBinaryStreamAsync}(global::System.IO.Stream data)"
            : $"{RuntimeContract.OnBinaryAsync}(global::System.ReadOnlyMemory<byte> data)", keepsState);
        WriteCallback(writer, spec, spec.OnClose, $"{RuntimeContract.OnCloseAsync}(global::Endpoints.WebSocketCloseInfo close)", keepsState);
        WriteCallback(writer, spec, spec.OnError, $"{RuntimeContract.OnErrorAsync}(global::System.Exception error)", keepsState);
        writer.Close();
    }

    private static void WriteSettings(SourceWriter writer, EndpointSpec spec)
    {
        writer.Line($"internal static readonly {RuntimeContract.Settings} Settings = new()");
        writer.Line("{");
        writer.Line($"    Name = {CSharpText.Literal(spec.DisplayName)},");
        writer.Line($"    EndpointType = typeof({spec.TypeName}),");
        writer.Line($"    Pattern = {CSharpText.Literal(spec.Pattern)},");
        if (spec.MaxMessageSize > 0) writer.Line($"    MaxMessageSize = {spec.MaxMessageSize.ToString(CultureInfo.InvariantCulture)},");
        if (spec.MaxStreamedMessageSize > 0) writer.Line($"    MaxStreamedMessageSize = {spec.MaxStreamedMessageSize.ToString(CultureInfo.InvariantCulture)}L,");
        if (spec.SubProtocols.Count > 0) writer.Line($"    SubProtocols = new string[] {{ {Join(spec.SubProtocols, CSharpText.Literal)} }},");
        if (spec.AllowedOrigins.Count > 0) writer.Line($"    AllowedOrigins = new string[] {{ {Join(spec.AllowedOrigins, CSharpText.Literal)} }},");
        if (spec.EnableCompression) writer.Line("    EnableCompression = true,");
        if (spec.Resumable) writer.Line("    Resumable = true,");
        if (spec.Typed is { Sent.Count: > 0 }) writer.Line($"    Codec = new {TypedMessageEmitter.CodecName(spec)}(),");
        if (spec.RequiredServices.Count > 0)
        {
            writer.Line($"    Services = new {RuntimeContract.Service}[]");
            writer.Line("    {");
            foreach (var service in spec.RequiredServices) writer.Line($"        new(typeof({service.TypeName}), {CSharpText.Literal(service.UsedBy)}),");
            writer.Line("    },");
        }
        writer.Line("};");
    }

    private static void WriteAccept(SourceWriter writer, EndpointSpec spec, string handler)
    {
        writer.Open($"public static {Task} AcceptAsync({HttpContext} context)");
        writer.Line($"if (!{RuntimeContract.Routing}.{RuntimeContract.IsWebSocketRequest}(context)) return {RuntimeContract.Routing}.{RuntimeContract.RejectNonWebSocketRequest}(context);");
        foreach (var value in spec.RequestValues) WriteRequestValueBinding(writer, value);
        writer.Line($"return {RuntimeContract.Upgrade}.{RuntimeContract.RunAsync}(context, new {handler}({Join(spec.RequestValues, static value => value.VariableName)}), Settings);");
        writer.Close();
    }

    private static void WriteRequestValueBinding(SourceWriter writer, RequestValueSpec value)
    {
        var name = value.VariableName;
        var getter = value.Source switch
        {
            RequestValueSource.Query => RuntimeContract.GetQueryValue,
            RequestValueSource.Header => RuntimeContract.GetHeaderValue,
            _ => RuntimeContract.GetRouteValue,
        };
        var what = RequestValueText.Describe(value.Source);
        var getValue = $"{RuntimeContract.Routing}.{getter}(context, {CSharpText.Literal(value.Key)})";
        var missing = $"return {RuntimeContract.Routing}.{RuntimeContract.BadRequest}(context, {CSharpText.Literal($"The {what} '{value.Key}' is missing.")});";
        if (value.Parse == ValueParse.None)
        {
            writer.Line($"var {name} = {getValue};");
            if (!value.Optional) writer.Line($"if ({name} is null) {missing}");
            return;
        }

        var parsedDisplay = value.ParsedTypeName.Replace("global::", "");
        var invalid = $"return {RuntimeContract.Routing}.{RuntimeContract.BadRequest}(context, {CSharpText.Literal($"The {what} '{value.Key}' is not a valid {parsedDisplay}.")});";
        var raw = name + "_raw";
        var parse = value.Parse switch
        {
            ValueParse.Enum => $"global::System.Enum.TryParse<{value.ParsedTypeName}>({raw}, ignoreCase: true, out var {{0}})",
            ValueParse.TryParseWithFormatProvider => $"{value.ParsedTypeName}.TryParse({raw}, global::System.Globalization.CultureInfo.InvariantCulture, out var {{0}})",
            _ => $"{value.ParsedTypeName}.TryParse({raw}, out var {{0}})",
        };
        writer.Line($"var {raw} = {getValue};");
        if (!value.Optional)
        {
            writer.Line($"if ({raw} is null) {missing}");
            writer.Line($"if (!{string.Format(CultureInfo.InvariantCulture, parse, name)}) {invalid}");
            return;
        }
        writer.Line($"{NullableTypeName(value)} {name} = null;");
        writer.Open($"if ({raw} is not null)");
        writer.Line($"if (!{string.Format(CultureInfo.InvariantCulture, parse, name + "_value")}) {invalid}");
        writer.Line($"{name} = {name}_value;");
        writer.Close();
    }

    private static void WriteCreateEndpoint(SourceWriter writer, EndpointSpec spec)
    {
        writer.Open($"protected override void {RuntimeContract.CreateEndpoint}()");
        var end = spec.RequiredMembers.Count == 0 ? ";" : "";
        if (spec.ConstructorServices.Count == 0)
        {
            writer.Line($"_endpoint = new {spec.TypeName}(){end}");
        }
        else
        {
            writer.Line($"_endpoint = new {spec.TypeName}(");
            for (var i = 0; i < spec.ConstructorServices.Count; i++)
            {
                var service = spec.ConstructorServices[i];
                var separator = i == spec.ConstructorServices.Count - 1 ? ")" + end : ",";
                writer.Line($"    {Resolve(service.TypeName, service.Required)}{separator}");
            }
        }
        if (spec.RequiredMembers.Count > 0)
        {
            // The class's required members: the generated code creates the instance, so it sets them, from services.
            writer.Line("{");
            foreach (var member in spec.RequiredMembers) writer.Line($"    {member.MemberName} = {Resolve(member.TypeName, member.Required)},");
            writer.Line("};");
        }
        writer.Close();
    }

    private static string Resolve(string typeName, bool required)
        => $"{ServiceExtensions}.{(required ? "GetRequiredService" : "GetService")}<{typeName}>({RuntimeContract.Services})";

    private static void WriteCallback(SourceWriter writer, EndpointSpec spec, CallbackSpec? callback, string signature, bool keepsState)
    {
        if (callback is null) return;
        var call = Call(spec, callback);
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

    /// <summary>The call of a callback with its bound arguments, on the instance or, for a static one, the class.</summary>
    internal static string Call(EndpointSpec spec, CallbackSpec callback)
        => $"{(callback.IsStatic ? spec.TypeName : "_endpoint")}.{callback.MethodName}({Join(callback.Arguments, Argument)})";

    private static string Argument(ArgumentSpec argument) => argument.Source switch
    {
        ArgumentSource.Connection => RuntimeContract.Connection,
        ArgumentSource.HttpContext => RuntimeContract.Context,
        ArgumentSource.CancellationToken => RuntimeContract.Connection + ".Closed",
        ArgumentSource.User => RuntimeContract.Context + ".User",
        ArgumentSource.RequestValue => argument.Detail,
        ArgumentSource.Service => $"{ServiceExtensions}.GetRequiredService<{argument.Detail}>({RuntimeContract.Services})",
        ArgumentSource.OptionalService => $"{ServiceExtensions}.GetService<{argument.Detail}>({RuntimeContract.Services})",
        ArgumentSource.State => "_state" + argument.Detail,
        ArgumentSource.TextMessage => $"{RuntimeContract.DecodeText}(utf8)",
        ArgumentSource.TextUtf8 => "utf8",
        ArgumentSource.BinaryMessage => "data",
        ArgumentSource.TextStream => "text",
        ArgumentSource.BinaryStream => "data",
        ArgumentSource.CloseInfo => "close",
        ArgumentSource.TypedMessage => "message",
        ArgumentSource.InvalidMessage => "invalid",
        _ => "error",
    };

    private static bool Takes(CallbackSpec? callback, ArgumentSource source)
    {
        if (callback is null) return false;
        foreach (var argument in callback.Arguments)
        {
            if (argument.Source == source) return true;
        }
        return false;
    }

    private static string NullableTypeName(RequestValueSpec value) => value.TypeName.EndsWith("?") ? value.TypeName : value.TypeName + "?";
}
