using System.Linq;
using Endpoints.Generator.Common;
using Endpoints.Generator.Emitting;

namespace Endpoints.Client.Generator;

/// <summary>
/// Writes a typed client's other half: thin members over <c>TypedEndpointsClient</c> and the <c>EndpointsClient</c>
/// underneath, each naming the endpoint's wire name and its JSON context's metadata, so nothing is looked up at run time.
/// </summary>
internal static class ClientEmitter
{
    private const string Client = "global::Endpoints.Client.EndpointsClient";
    private const string Options = "global::Endpoints.Client.EndpointsClientOptions";
    private const string JsonTypeInfo = "global::System.Text.Json.Serialization.Metadata.JsonTypeInfo";
    private const string Token = "global::System.Threading.CancellationToken";
    private const string TimeSpan = "global::System.TimeSpan";
    private const string Uri = "global::System.Uri";

    public static string Emit(ClientSpec spec, string version)
    {
        var writer = EmitterText.Header();
        if (spec.Namespace is not null) writer.Open("namespace " + spec.Namespace);
        foreach (var container in spec.Containers) writer.Open(container);

        var endpoint = CSharpText.Xml(spec.EndpointTypeName);
        var pattern = CSharpText.Xml(spec.Pattern);
        writer.Line($"/// <summary>A typed client of <see cref=\"{endpoint}\"/> (<c>{pattern}</c>), written from its contract by Endpoints.Client's generator.</summary>");
        writer.Line(EmitterText.GeneratedCodeAttribute(version).Replace("\"Endpoints.Generator\"", "\"Endpoints.Client.Generator\""));
        writer.Open($"partial class {spec.ClassName} : global::{ClientReader.BaseClass}");

        var types = spec.Sends.Select(static m => (m.TypeName, m.FieldName))
            .Concat(spec.Sends.Where(static m => m.ReplyTypeName is not null).Select(static m => (m.ReplyTypeName!, m.ReplyFieldName!)))
            .Concat(spec.Receives.Select(static m => (m.TypeName, m.FieldName)))
            .Distinct()
            .ToList();
        foreach (var (typeName, field) in types)
        {
            writer.Line($"private static readonly {JsonTypeInfo}<{typeName}> {field} = ({JsonTypeInfo}<{typeName}>){spec.Context}.Default.GetTypeInfo(typeof({typeName}))!;");
        }
        if (types.Count > 0) writer.Line();

        var typeProperty = CSharpText.Literal(spec.TypeProperty);
        writer.Line("/// <summary>The endpoint's route pattern.</summary>");
        writer.Line($"public const string Pattern = {CSharpText.Literal(spec.Pattern)};");
        writer.Line();
        writer.Line($"/// <summary>Wraps <paramref name=\"client\"/> (not started, or started: messages wait until read), whose type property must be {CSharpText.Xml(typeProperty)}, the endpoint's.</summary>");
        writer.Open($"public {spec.ClassName}({Client} client) : base(client, {typeProperty})");
        foreach (var message in spec.Receives) writer.Line($"Receives({Name(message.WireName)}, {message.FieldName});");
        writer.Close();

        WriteAddress(writer, spec);
        foreach (var message in spec.Sends) WriteSend(writer, message, spec.TypeProperty);
        if (spec.SendsText)
        {
            writer.Line();
            writer.Line("/// <summary>Sends text, handled by the endpoint's OnText. False when the send queue dropped it.</summary>");
            writer.Line($"public global::System.Threading.Tasks.ValueTask<bool> SendTextAsync(string text, {Token} cancellationToken = default) => Client.SendTextAsync(text, cancellationToken);");
            writer.Line();
            writer.Line("/// <summary>Sends text and completes when the endpoint's OnText has handled it (endpoints.v1).</summary>");
            writer.Line($"public global::System.Threading.Tasks.Task SendTextWithAckAsync(string text, {TimeSpan}? timeout = null, {Token} cancellationToken = default)");
            writer.Line("    => Client.SendTextWithAckAsync(text, timeout, cancellationToken);");
        }
        if (spec.SendsBinary)
        {
            writer.Line();
            writer.Line("/// <summary>Sends binary data, handled by the endpoint's OnBinary. False when the send queue dropped it.</summary>");
            writer.Line($"public global::System.Threading.Tasks.ValueTask<bool> SendBinaryAsync(global::System.ReadOnlyMemory<byte> data, {Token} cancellationToken = default) => Client.SendBinaryAsync(data, cancellationToken);");
            writer.Line();
            writer.Line("/// <summary>Sends binary data and completes when the endpoint's OnBinary has handled it (endpoints.v1).</summary>");
            writer.Line($"public global::System.Threading.Tasks.Task SendBinaryWithAckAsync(global::System.ReadOnlyMemory<byte> data, {TimeSpan}? timeout = null, {Token} cancellationToken = default)");
            writer.Line("    => Client.SendBinaryWithAckAsync(data, timeout, cancellationToken);");
        }
        foreach (var message in spec.Receives) WriteOnRequest(writer, message);

        writer.Close();
        foreach (var _ in spec.Containers) writer.Close();
        if (spec.Namespace is not null) writer.Close();
        return writer.ToString();
    }

    private static void WriteAddress(SourceWriter writer, ClientSpec spec)
    {
        var values = string.Join(", ", spec.Parameters.Select(static p => (p.Optional ? p.TypeName + "? " : p.TypeName + " ") + p.ParameterName + (p.Optional ? " = null" : "")));
        var arguments = string.Join(", ", spec.Parameters.Select(static p => p.ParameterName));
        var docs = spec.Parameters.Select(static p => $"/// <param name=\"{p.ParameterName.TrimStart('@')}\">{(p.Query ? "Query value ?" + CSharpText.Xml(p.Key) + "=" : "Route value {" + CSharpText.Xml(p.Key) + "}")}{(p.Optional ? "; null leaves it out" : "")}.</param>").ToList();
        var route = string.Join(", ", spec.Parameters.Where(static p => !p.Query).Select(static p => $"({CSharpText.Literal(p.Key)}, {Text(p)}, {(p.CatchAll ? "true" : "false")})"));
        var query = string.Join(", ", spec.Parameters.Where(static p => p.Query).Select(static p => $"({CSharpText.Literal(p.Key)}, {Text(p)})"));
        var comma = values.Length > 0 ? ", " : "";
        var protocols = string.Concat(spec.SubProtocols.Select(static p => ", " + CSharpText.Literal(p)));

        writer.Line();
        writer.Line("/// <summary>The endpoint's path and query for these values, relative to the app (e.g. for a test host's client).</summary>");
        foreach (var doc in docs) writer.Line(doc);
        writer.Line($"public static string PathFor({values})");
        writer.Line($"    => PathAndQuery({CSharpText.Literal(spec.Address)}, [{route}], [{query}]);");
        writer.Line();
        writer.Line("/// <summary>The endpoint's WebSocket address on <paramref name=\"server\"/> (http, https, ws or wss; its own path, if any, comes first).</summary>");
        writer.Line("/// <param name=\"server\">The app's address, e.g. <c>https://example.com/</c>.</param>");
        foreach (var doc in docs) writer.Line(doc);
        writer.Line($"public static {Uri} AddressFor({Uri} server{comma}{values}) => CreateAddress(server, PathFor({arguments}));");
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Connects to the endpoint on <paramref name=\"server\"/> and returns the client once open; it reconnects until closed. Throws when");
        writer.Line("/// the server refuses the connection for good (an HTTP 4xx, a policy close).");
        writer.Line("/// </summary>");
        writer.Line("/// <param name=\"server\">The app's address, e.g. <c>https://example.com/</c>.</param>");
        foreach (var doc in docs) writer.Line(doc);
        writer.Line($"/// <param name=\"options\">The client's options; its type property{(spec.SubProtocols.Count > 0 ? " and subprotocols are" : " is")} set to the endpoint's.</param>");
        writer.Line("/// <param name=\"cancellationToken\">Stops waiting for the connection.</param>");
        writer.Line($"public static global::System.Threading.Tasks.Task<{spec.ClassName}> ConnectAsync({Uri} server{comma}{values}, {Options}? options = null, {Token} cancellationToken = default)");
        writer.Line($"    => StartedAsync(new {spec.ClassName}(new {Client}(AddressFor(server{(arguments.Length > 0 ? ", " + arguments : "")}), ForEndpoint(options, {CSharpText.Literal(spec.TypeProperty)}{protocols}))), cancellationToken);");
    }

    private static string Text(AddressValueSpec value)
    {
        if (value.IsString) return value.ParameterName;
        var invariant = $"global::System.FormattableString.Invariant($\"{{{value.ParameterName}}}\")";
        return value.Optional ? $"{value.ParameterName} is null ? null : {invariant}" : invariant;
    }

    private static void WriteSend(SourceWriter writer, ClientMessageSpec message, string typeProperty)
    {
        var type = CSharpText.Xml(message.TypeName);
        var wire = message.WireName is null
            ? "as its JSON (the endpoint receives no other type)"
            : CSharpText.Xml($"as {{\"{typeProperty}\":\"{message.WireName}\",…}}");
        writer.Line();
        writer.Line($"/// <summary>Sends a <see cref=\"{type}\"/> {wire}, handled by the endpoint's OnMessage. False when the send queue dropped it.</summary>");
        writer.Line($"public global::System.Threading.Tasks.ValueTask<bool> SendAsync({message.TypeName} message, {Token} cancellationToken = default)");
        writer.Line($"    => Client.SendAsync(message, {message.FieldName}, {Name(message.WireName)}, cancellationToken);");
        writer.Line();
        writer.Line($"/// <summary>Sends a <see cref=\"{type}\"/> and completes when the endpoint has handled it (endpoints.v1); a reply is not read.</summary>");
        writer.Line($"public global::System.Threading.Tasks.Task SendWithAckAsync({message.TypeName} message, {TimeSpan}? timeout = null, {Token} cancellationToken = default)");
        writer.Line($"    => Client.SendWithAckAsync(message, {message.FieldName}, {Name(message.WireName)}, timeout, cancellationToken);");
        if (message.ReplyTypeName is null) return;
        writer.Line();
        writer.Line($"/// <summary>Sends a <see cref=\"{type}\"/> as a request (endpoints.v1) and completes with what the endpoint's OnMessage returns, a <see cref=\"{CSharpText.Xml(message.ReplyTypeName)}\"/>.</summary>");
        writer.Line($"public global::System.Threading.Tasks.Task<{message.ReplyTypeName}> RequestAsync({message.TypeName} message, {TimeSpan}? timeout = null, {Token} cancellationToken = default)");
        writer.Line($"    => Client.RequestAsync(message, {message.FieldName}, {message.ReplyFieldName}, {Name(message.WireName)}, timeout, cancellationToken);");
    }

    private static void WriteOnRequest(SourceWriter writer, ClientMessageSpec message)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line($"/// Answers the endpoint's requests of a <see cref=\"{CSharpText.Xml(message.TypeName)}\"/> (its connection's <c>RequestAsync</c>): the handler's result is the reply,");
        writer.Line("/// a throw an error. The reply's type is the one the server asks for, which the endpoint class does not say: give its JSON metadata.");
        writer.Line("/// One handler per type; dispose the result to remove it.");
        writer.Line("/// </summary>");
        writer.Line($"public global::System.IDisposable On{message.MemberName}Request<TReply>({JsonTypeInfo}<TReply> replyType, global::System.Func<{message.TypeName}, {Token}, global::System.Threading.Tasks.ValueTask<TReply>> handler)");
        writer.Line(message.WireName is null
            ? $"    => Client.OnRequest({message.FieldName}, replyType, handler);"
            : $"    => Client.OnRequest({CSharpText.Literal(message.WireName)}, {message.FieldName}, replyType, handler);");
    }

    private static string Name(string? wireName) => wireName is null ? "null" : CSharpText.Literal(wireName);
}
