using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using Endpoints.Generator.Parsing;
using static Endpoints.Generator.Emitting.EmitterText;

namespace Endpoints.Generator.Emitting;

/// <summary>
/// Writes the app's AsyncAPI 3.0 document from the endpoints' contracts: a channel per endpoint (its address and
/// parameters, a <c>ws</c> binding with its query and header values), a <c>receive</c> and a <c>send</c> operation,
/// a <c>receive</c> operation with a <c>reply</c> per OnMessage that returns a value, a message per type (JSON Schema
/// payloads in <c>components/schemas</c>, names as the JSON context writes them), and the [Authorize] endpoints'
/// security. Then the C# file that carries it into the assembly, with <c>MapAsyncApiDocument()</c>.
/// </summary>
internal static class AsyncApiEmitter
{
    public const string HintName = "AsyncApiDocument.g.cs";

    /// <summary>Around the document's UTF-8 bytes in the compiled assembly; build/Endpoints.targets looks for them (keep the two equal).</summary>
    public const string BeginMarker = "ENDPOINTS_ASYNCAPI_BEGIN", EndMarker = "ENDPOINTS_ASYNCAPI_END";

    private const string SecurityScheme = "authorization";
    private const string WsBindingVersion = "0.1.0";

    public static string ClassName(AsyncApiApp app) => "AsyncApiDocument_" + app.AssemblyIdentifier;

    /// <summary>The document as indented JSON.</summary>
    public static string Document(IReadOnlyList<ContractWithContext> endpoints, AsyncApiApp app)
    {
        var components = new Components();
        var channels = new JsonObject();
        var operations = new JsonObject();
        var simpleNames = endpoints.GroupBy(static e => e.Contract.Name).Where(static g => g.Count() == 1).Select(static g => g.Key).ToList();
        // Keys keep ASCII letters and digits only, so two names may give one key ("Éclair" and "Ãclair"): each channel
        // gets its own (its full name, else a number), or the document would hold a key twice and a reader keep one.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var contract = endpoint.Contract;
            var key = Key(simpleNames.Contains(contract.Name) ? contract.Name : contract.DisplayName);
            if (taken.Contains(key)) key = Key(contract.DisplayName);
            var unique = key;
            for (var n = 2; !taken.Add(unique); n++) unique = key + "_" + n.ToString(CultureInfo.InvariantCulture);
            key = unique;
            WriteChannel(contract, endpoint.Context, key, channels, operations, components);
        }

        var document = new JsonObject()
            .Add("asyncapi", "3.0.0")
            .Add("info", new JsonObject()
                .Add("title", app.AssemblyName)
                .Add("version", app.Version)
                .Add("description", $"The WebSocket endpoints of {app.AssemblyName}, written at build time by Endpoints.Generator from the [WebSocketEndpoint] classes. "
                                    + "'receive' operations are what the app receives, 'send' operations what it sends."))
            .Add("defaultContentType", "application/json")
            .Add("channels", channels)
            .Add("operations", operations);
        var componentsNode = new JsonObject();
        if (components.Schemas.Count > 0) componentsNode.Add("schemas", Sorted(components.Schemas));
        if (components.UsesSecurity)
        {
            componentsNode.Add("securitySchemes", new JsonObject().Add(SecurityScheme, new JsonObject()
                .Add("type", "http")
                .Add("scheme", "bearer")
                .Add("description", "Endpoints with [Authorize]: the upgrade request must be authenticated by the app's authentication handler "
                                    + "(401 or 403 before the upgrade otherwise). Which handler is configured is not visible at build time; "
                                    + "a bearer token is assumed (browsers cannot set the Authorization header on a WebSocket, so apps often "
                                    + "read it from the query string or use a cookie instead).")));
        }
        if (componentsNode.Count > 0) document.Add("components", componentsNode);
        return document + "\n";
    }

    private static void WriteChannel(EndpointContract contract, JsonContextSpec? context, string key, JsonObject channels, JsonObject operations, Components components)
    {
        var channelRef = "#/channels/" + key;
        var messages = new ChannelMessages();
        var received = new List<string>();
        var sent = new List<string>();
        if (contract.ReceivesText)
        {
            received.Add(messages.Add("text", new JsonObject()
                .Add("name", "text")
                .Add("title", "Text message")
                .Add("summary", "Any text message (OnText).")
                .Add("contentType", "text/plain")
                .Add("payload", new JsonObject().Add("type", "string"))));
        }
        if (contract.ReceivesBinary)
        {
            received.Add(messages.Add("binary", new JsonObject()
                .Add("name", "binary")
                .Add("title", "Binary message")
                .Add("summary", "Any binary message (OnBinary).")
                .Add("contentType", "application/octet-stream")
                .Add("payload", new JsonObject().Add("type", "string").Add("format", "binary"))));
        }
        // The messages whose OnMessage returns a value, each with its reply's message: an operation of its own, with a reply.
        var replying = new List<(ReceivedMessageContract Message, string Key, string ReplyKey)>();
        if (contract.Messages is { } typed)
        {
            var schemas = new SchemaWriter(contract, context, components);
            var replies = new List<(ReceivedMessageContract Message, string Key)>();
            foreach (var message in typed.Received)
            {
                var messageKey = messages.Add(message.Type.WireName, TypedMessage(message.Type, typed, typed.Received.Count > 1, schemas, "received"));
                if (message.Reply is null) received.Add(messageKey);
                else replies.Add((message, messageKey));
            }
            foreach (var message in typed.Sent) sent.Add(messages.Add(message.WireName, TypedMessage(message, typed, typed.Sent.Count > 1, schemas, "sent")));
            foreach (var (message, messageKey) in replies)
            {
                // A reply is encoded as a send of its type would be: one of the Sends types is that very message.
                var reply = message.Reply!;
                var asSent = typed.Sent.FirstOrDefault(s => s.TypeName == reply.TypeName);
                var replyMessage = asSent is not null
                    ? TypedMessage(asSent, typed, typed.Sent.Count > 1, schemas, "sent")
                    : ReplyMessage(reply, typed, schemas);
                replying.Add((message, messageKey, messages.Add(reply.WireName, replyMessage, reply.WireName + "_reply")));
            }
        }

        var channel = new JsonObject()
            .Add("address", contract.Address)
            .Add("title", contract.Name)
            .Add("description", ChannelDescription(contract));
        if (messages.Node.Count > 0) channel.Add("messages", messages.Node);
        if (contract.RouteParameters.Count > 0)
        {
            var parameters = new JsonObject();
            foreach (var parameter in contract.RouteParameters) parameters.Add(parameter.Name, new JsonObject().Add("description", ParameterDescription(parameter)));
            channel.Add("parameters", parameters);
        }
        var ws = new JsonObject().Add("method", "GET");
        if (RequestValues(contract, RequestValueSource.Query) is { } query) ws.Add("query", query);
        if (RequestValues(contract, RequestValueSource.Header) is { } headers) ws.Add("headers", headers);
        ws.Add("bindingVersion", WsBindingVersion);
        channel.Add("bindings", new JsonObject().Add("ws", ws));
        channels.Add(key, channel);

        WriteOperation(operations, key + ".receive", "receive", channelRef, received, $"What {contract.Name} receives from a client.", AcknowledgedText,
            contract.Authorization, components);
        foreach (var (message, messageKey, replyKey) in replying)
        {
            var reply = new JsonObject()
                .Add("channel", Ref(channelRef))
                .Add("messages", new JsonArray().Add(Ref(channelRef + "/messages/" + replyKey)));
            var operationKey = key + ".receive." + messageKey;
            for (var n = 2; operations.Has(operationKey); n++) operationKey = key + ".receive." + messageKey + "_" + n.ToString(CultureInfo.InvariantCulture);
            WriteOperation(operations, operationKey, "receive", channelRef, [messageKey],
                $"What {contract.Name} receives as \"{message.Type.WireName}\": its OnMessage answers with {Title(contract, message.Reply!)}.", AnsweredText,
                contract.Authorization, components, reply);
        }
        WriteOperation(operations, key + ".send", "send", channelRef, sent, $"What {contract.Name} sends to a client (its Sends types).", AskedText,
            contract.Authorization, components);
    }

    // What endpoints.v1 (docs/protocol.md) adds to an operation: the answer a client's request gets, and the server's requests.
    private const string AcknowledgedText = "A client on the endpoints.v1 subprotocol may send any of these as a request (a {\"id\":N} header) "
                                            + "to be acknowledged ({\"re\":N}, no payload) once it has been handled.";

    private const string AnsweredText = "Sent as a request (endpoints.v1: a {\"id\":N} header), it is answered with the reply ({\"re\":N}); "
                                        + "sent without one, the reply goes out as an ordinary message.";

    private const string AskedText = "The app may also send any of these as a request (connection.RequestAsync, a {\"id\":N} header); "
                                     + "a client on endpoints.v1 answers with {\"re\":N} and its reply.";

    private static void WriteOperation(JsonObject operations, string key, string action, string channelRef, List<string> messages, string summary,
        string description, AuthorizationContract? authorization, Components components, JsonObject? reply = null)
    {
        if (messages.Count == 0) return;
        var operation = new JsonObject()
            .Add("action", action)
            .Add("channel", Ref(channelRef))
            .Add("summary", summary);
        if (authorization is not null)
        {
            components.UsesSecurity = true;
            operation.Add("description", description + " " + AuthorizationText(authorization));
            operation.Add("security", new JsonArray().Add(Ref("#/components/securitySchemes/" + SecurityScheme)));
        }
        else
        {
            operation.Add("description", description);
        }
        operation.Add("messages", new JsonArray(messages.Distinct().Select(m => Ref(channelRef + "/messages/" + m))));
        if (reply is not null) operation.Add("reply", reply);
        operations.Add(key, operation);
    }

    /// <summary>The reply of a type the endpoint does not send otherwise: plain JSON, without the type property.</summary>
    private static JsonObject ReplyMessage(MessageTypeSpec reply, MessagesContract typed, SchemaWriter schemas)
    {
        var id = TypeId(reply.TypeName);
        var title = schemas.Title(id);
        return new JsonObject()
            .Add("name", reply.WireName)
            .Add("title", title)
            .Add("summary", $"{title}: a reply, sent only in answer to a message, so no \"{typed.TypeProperty}\" property is written.")
            .Add("contentType", "application/json")
            .Add("payload", schemas.Ref(id));
    }

    private static string Title(EndpointContract contract, MessageTypeSpec type)
    {
        var id = TypeId(type.TypeName);
        return contract.Types.FirstOrDefault(t => t.Id == id)?.Name ?? id;
    }

    private static JsonObject TypedMessage(MessageTypeSpec message, MessagesContract typed, bool discriminated, SchemaWriter schemas, string direction)
    {
        var id = TypeId(message.TypeName);
        var title = schemas.Title(id);
        var payload = schemas.Ref(id);
        string summary;
        if (discriminated)
        {
            // Several types in this direction: the type property names each, first in the object (WebSocketJson).
            payload = new JsonObject().Add("allOf", new JsonArray()
                .Add(payload)
                .Add(new JsonObject()
                    .Add("type", "object")
                    .Add("properties", new JsonObject().Add(typed.TypeProperty, new JsonObject().Add("type", "string").Add("const", message.WireName)))
                    .Add("required", new JsonArray().Add(JsonNode.String(typed.TypeProperty)))));
            summary = $"{title}, {direction} with \"{typed.TypeProperty}\": \"{message.WireName}\".";
        }
        else
        {
            summary = direction == "received"
                ? $"{title}: the only type received, so no \"{typed.TypeProperty}\" property is read."
                : $"{title}: the only type sent, so no \"{typed.TypeProperty}\" property is written.";
        }
        return new JsonObject()
            .Add("name", message.WireName)
            .Add("title", title)
            .Add("summary", summary)
            .Add("contentType", "application/json")
            .Add("payload", payload);
    }

    private static string ChannelDescription(EndpointContract contract)
    {
        var text = new StringBuilder($"The WebSocket endpoint {contract.DisplayName}, at {contract.Pattern}: an HTTP GET upgrade request.");
        if (contract.SubProtocols.Count > 0) text.Append(" Subprotocols: ").Append(string.Join(", ", contract.SubProtocols)).Append('.');
        if (contract.Messages is { } typed)
        {
            text.Append(" Typed messages are JSON text messages");
            if (typed.Received.Count > 1 || typed.Sent.Count > 1) text.Append($"; where several types go one way, \"{typed.TypeProperty}\" names each");
            text.Append('.');
        }
        return text.ToString();
    }

    private static string ParameterDescription(RouteParameterContract parameter)
    {
        var text = new StringBuilder($"The route value {{{parameter.Name}}}");
        if (parameter.TypeName is { } type) text.Append(", bound as ").Append(parameter.IsEnum ? "an enum (its names or numbers)" : TypeText(type));
        text.Append('.');
        if (parameter.Constraints.Count > 0) text.Append(" Route constraints: ").Append(string.Join(", ", parameter.Constraints)).Append('.');
        if (parameter.Optional) text.Append(" Optional: the address may end before it.");
        if (parameter.CatchAll) text.Append(" Catch-all: it may contain '/'.");
        return text.ToString();
    }

    private static string TypeText(string typeName) => typeName.Replace("global::", "");

    private static string AuthorizationText(AuthorizationContract authorization)
    {
        var text = new StringBuilder("Requires an authenticated user ([Authorize]).");
        if (authorization.Policies.Count > 0) text.Append(" Policies: ").Append(string.Join(", ", authorization.Policies)).Append('.');
        if (authorization.Roles.Count > 0) text.Append(" Roles: ").Append(string.Join(", ", authorization.Roles)).Append('.');
        if (authorization.Schemes.Count > 0) text.Append(" Authentication schemes: ").Append(string.Join(", ", authorization.Schemes)).Append('.');
        return text.ToString();
    }

    /// <summary>The ws binding's query or headers: a JSON object schema of the values the callbacks take, or null without any.</summary>
    private static JsonObject? RequestValues(EndpointContract contract, RequestValueSource source)
    {
        var values = contract.RequestValues.Where(v => v.Source == source).ToList();
        if (values.Count == 0) return null;
        var properties = new JsonObject();
        foreach (var value in values)
        {
            var use = value.IsEnum ? new TypeUse(TypeUseKind.String) : SchemaPrimitives.For(value.TypeName) ?? new TypeUse(TypeUseKind.String);
            properties.Add(value.Key, SchemaWriter.Primitive(use));
        }
        var schema = new JsonObject().Add("type", "object").Add("properties", properties);
        var required = values.Where(static v => !v.Optional).Select(static v => JsonNode.String(v.Key)).ToList();
        if (required.Count > 0) schema.Add("required", new JsonArray(required));
        return schema;
    }

    private static string TypeId(string typeName) => typeName.Replace("global::", "");

    private static JsonObject Ref(string target) => new JsonObject().Add("$ref", target);

    private static JsonObject Sorted(Dictionary<string, JsonNode> items)
    {
        var node = new JsonObject();
        foreach (var item in items.OrderBy(static i => i.Key, StringComparer.Ordinal)) node.Add(item.Key, item.Value);
        return node;
    }

    /// <summary>A key AsyncAPI allows (<c>^[A-Za-z0-9_.-]+$</c>): every other character becomes '_'.</summary>
    internal static string Key(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(chars[i] is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_')) chars[i] = '_';
        }
        var key = new string(chars).Trim('_');
        return key.Length == 0 ? "_" : key;
    }

    /// <summary>One channel's messages by key: a type received and sent alike is one message, otherwise keys stay apart.</summary>
    private sealed class ChannelMessages
    {
        private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

        public JsonObject Node { get; } = new();

        /// <summary>
        /// The message's key: the same message's if it is there already, else <paramref name="key"/>, else
        /// <paramref name="otherwise"/>, else the key and a number.
        /// </summary>
        public string Add(string key, JsonObject message, string? otherwise = null)
        {
            var text = message.ToString();
            var candidates = new List<string> { Key(key) };
            if (otherwise is not null) candidates.Add(Key(otherwise));
            for (var n = 2; ; n++)
            {
                foreach (var candidate in candidates)
                {
                    if (!_texts.TryGetValue(candidate, out var existing))
                    {
                        _texts[candidate] = text;
                        Node.Add(candidate, message);
                        return candidate;
                    }
                    if (existing == text) return candidate;
                }
                candidates.Clear();
                candidates.Add(Key(key) + "_" + n.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The document's <c>components</c>: schemas by key, and whether any operation needs the security scheme.</summary>
    private sealed class Components
    {
        // One schema per type and per way of writing it (naming policy, string enums, required parameters).
        private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

        public Dictionary<string, JsonNode> Schemas { get; } = new(StringComparer.Ordinal);

        public bool UsesSecurity { get; set; }

        /// <summary>The key of <paramref name="type"/> written the <paramref name="variant"/> way, and whether it is new (then the caller writes it).</summary>
        public string KeyOf(SchemaTypeSpec type, string variant, out bool isNew)
        {
            var identity = type.Id + "\n" + variant;
            if (_keys.TryGetValue(identity, out var key))
            {
                isNew = false;
                return key;
            }
            var taken = new HashSet<string>(_keys.Values, StringComparer.Ordinal);
            key = Key(type.Name);
            if (taken.Contains(key)) key = Key(type.Id);
            var unique = key;
            for (var n = 2; taken.Contains(unique); n++) unique = key + "_" + n;
            _keys[identity] = unique;
            Schemas[unique] = new JsonObject(); // reserved: a type may refer to itself
            isNew = true;
            return unique;
        }
    }

    /// <summary>Writes one endpoint's types as its JSON context writes them.</summary>
    private sealed class SchemaWriter
    {
        private readonly Dictionary<string, SchemaTypeSpec> _types;
        private readonly Components _components;
        private readonly string _policy;
        private readonly EquatableArray<string> _stringEnums;
        private readonly bool _requiredParameters;
        private readonly string _variant;

        public SchemaWriter(EndpointContract contract, JsonContextSpec? context, Components components)
        {
            _types = contract.Types.GroupBy(static t => t.Id).ToDictionary(static g => g.Key, static g => g.First(), StringComparer.Ordinal);
            _components = components;
            _policy = context?.NamingPolicy ?? "";
            _stringEnums = context?.StringEnums ?? EquatableArray<string>.Empty;
            _requiredParameters = context?.RequiredConstructorParameters ?? false;
            _variant = _policy + "|" + string.Join(",", _stringEnums) + "|" + _requiredParameters;
        }

        public string Title(string id) => _types.TryGetValue(id, out var type) ? type.Name : id;

        /// <summary>A <c>$ref</c> to the type's schema (written on first use), or any JSON for a type that was not read.</summary>
        public JsonObject Ref(string id)
        {
            if (!_types.TryGetValue(id, out var type)) return new JsonObject();
            var key = _components.KeyOf(type, _variant, out var isNew);
            if (isNew) _components.Schemas[key] = Schema(type);
            return AsyncApiEmitter.Ref("#/components/schemas/" + key);
        }

        private JsonObject Schema(SchemaTypeSpec type)
        {
            switch (type.Kind)
            {
                case SchemaTypeKind.Enum:
                    return Enum(type, type.StringEnum || _stringEnums.Contains("*") || _stringEnums.Contains(type.Id));
                case SchemaTypeKind.Custom:
                    return new JsonObject()
                        .Add("title", type.Name)
                        .Add("description", "Written by its own [JsonConverter]: the shape is the converter's, which the generator cannot read.");
            }
            var properties = new JsonObject();
            var required = new List<JsonNode>();
            foreach (var property in type.Properties)
            {
                var name = property.JsonName ?? JsonNames.Convert(_policy, property.Name);
                if (properties.Has(name)) continue;
                properties.Add(name, Use(property.Type));
                if ((property.Required && !type.SetsRequiredMembers) || (_requiredParameters && property.ConstructorParameter)) required.Add(JsonNode.String(name));
            }
            var schema = new JsonObject().Add("type", "object").Add("title", type.Name).Add("properties", properties);
            if (required.Count > 0) schema.Add("required", new JsonArray(required));
            return schema;
        }

        private static JsonObject Enum(SchemaTypeSpec type, bool asNames)
        {
            var schema = new JsonObject().Add("type", asNames ? "string" : "integer").Add("title", type.Name);
            if (type.Flags)
            {
                var members = string.Join(", ", type.Members.Select(m => asNames ? m.JsonName ?? m.Name : m.Value + " = " + m.Name));
                return schema.Add("description", asNames
                    ? $"Flags: one or more of {members}, separated by \", \"."
                    : $"Flags: a sum of {members}.");
            }
            if (type.Members.Count == 0) return schema;
            if (asNames) return schema.Add("enum", new JsonArray(type.Members.Select(static m => m.JsonName ?? m.Name).Distinct().Select(JsonNode.String)));
            return schema
                .Add("enum", new JsonArray(type.Members.Select(static m => m.Value).Distinct().Select(JsonNode.Number)))
                .Add("description", string.Join(", ", type.Members.Select(static m => m.Value + " = " + m.Name)));
        }

        private JsonObject Use(TypeUse use)
        {
            switch (use.Kind)
            {
                case TypeUseKind.Array:
                    return new JsonObject().Add("type", Type("array", use.Nullable)).Add("items", Use(use.Item!));
                case TypeUseKind.Map:
                    return new JsonObject().Add("type", Type("object", use.Nullable)).Add("additionalProperties", Use(use.Item!));
                case TypeUseKind.Ref when use.StringEnum && _types.TryGetValue(use.Ref!, out var enumType):
                    var inline = Enum(enumType, asNames: true);
                    if (use.Nullable) return new JsonObject().Add("oneOf", new JsonArray().Add(inline).Add(new JsonObject().Add("type", "null")));
                    return inline;
                case TypeUseKind.Ref:
                    var reference = Ref(use.Ref!);
                    if (reference.Count == 0 || !use.Nullable) return reference;
                    return new JsonObject().Add("oneOf", new JsonArray().Add(reference).Add(new JsonObject().Add("type", "null")));
                default:
                    return Primitive(use);
            }
        }

        /// <summary>A string, number, integer or boolean (or any JSON) schema.</summary>
        public static JsonObject Primitive(TypeUse use)
        {
            var name = use.Kind switch
            {
                TypeUseKind.String => "string",
                TypeUseKind.Integer => "integer",
                TypeUseKind.Number => "number",
                TypeUseKind.Boolean => "boolean",
                _ => null,
            };
            var schema = new JsonObject();
            if (name is null) return schema;
            schema.Add("type", Type(name, use.Nullable));
            if (use.Format is { } format) schema.Add("format", format);
            if (use.Encoding is { } encoding) schema.Add("contentEncoding", encoding);
            if (use.Length > 0) schema.Add("minLength", JsonNode.Number("1")).Add("maxLength", JsonNode.Number("1"));
            if (use.Minimum is { } minimum) schema.Add("minimum", JsonNode.Number(minimum));
            if (use.Maximum is { } maximum) schema.Add("maximum", JsonNode.Number(maximum));
            return schema;
        }

        private static JsonNode Type(string name, bool nullable)
            => nullable ? new JsonArray().Add(JsonNode.String(name)).Add(JsonNode.String("null")) : JsonNode.String(name);
    }

    /// <summary>
    /// The C# file: the document as a constant, its UTF-8 bytes between markers (which the build copies to
    /// asyncapi.json), and <c>MapAsyncApiDocument()</c>, which serves it.
    /// </summary>
    public static string Emit(string json, AsyncApiApp app, string version)
    {
        var writer = Header();
        var className = ClassName(app);
        writer.Open("namespace " + GeneratedNamespace);
        writer.Line("/// <summary>The AsyncAPI 3.0 document of this assembly's WebSocket endpoints, written by the generator at build time.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Line("[global::System.ComponentModel.EditorBrowsableAttribute(global::System.ComponentModel.EditorBrowsableState.Never)]");
        writer.Open("internal static class " + className);
        writer.Line("/// <summary>The document (JSON).</summary>");
        var quotes = new string('"', Math.Max(3, LongestQuoteRun(json) + 1));
        writer.Line($"public const string Json = {quotes}");
        // A raw literal whose closing quotes start the line: the text is exactly the document.
        var body = new StringBuilder();
        foreach (var line in json.TrimEnd('\n').Split('\n')) body.Append(line).Append('\n');
        var text = writer.ToString() + body + quotes + ";\n";
        var rest = new SourceWriter();
        rest.Line();
        rest.Line("/// <summary>The document's UTF-8 bytes between two markers: the build finds them in the compiled assembly and writes asyncapi.json.</summary>");
        rest.Line(BuildOutputProperty(BeginMarker, EndMarker, AsciiOnly(json)));
        var indented = Indent(rest.ToString(), 2);

        var extensions = new SourceWriter();
        extensions.Line();
        extensions.Open("namespace Microsoft.AspNetCore.Builder");
        extensions.Line("/// <summary>Serves this project's AsyncAPI document.</summary>");
        extensions.Line(GeneratedCodeAttribute(version));
        extensions.Open("internal static class AsyncApiEndpointRouteBuilderExtensions_" + app.AssemblyIdentifier);
        extensions.Line($"private static readonly byte[] s_document = global::System.Text.Encoding.UTF8.GetBytes(global::{GeneratedNamespace}.{className}.Json);");
        extensions.Line();
        extensions.Line("/// <summary>");
        extensions.Line("/// Serves the AsyncAPI 3.0 document of this project's WebSocket endpoints (written at build time) at");
        extensions.Line("/// <paramref name=\"pattern\"/> as <c>application/json</c>. A convention added to the returned builder (such as");
        extensions.Line("/// <c>RequireAuthorization()</c>) applies to it.");
        extensions.Line("/// </summary>");
        extensions.Open($"internal static {EndpointConventionBuilder} MapAsyncApiDocument(this {RouteBuilder} routes, string pattern = \"/asyncapi.json\")");
        extensions.Line("global::System.ArgumentNullException.ThrowIfNull(routes);");
        extensions.Line("global::System.ArgumentNullException.ThrowIfNull(pattern);");
        extensions.Line("return global::Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(routes, pattern, new global::Microsoft.AspNetCore.Http.RequestDelegate(ServeAsync));");
        extensions.Close();
        extensions.Line();
        extensions.Open($"private static {Task} ServeAsync({HttpContext} context)");
        extensions.Line("context.Response.ContentType = \"application/json; charset=utf-8\";");
        extensions.Line("context.Response.ContentLength = s_document.Length;");
        extensions.Line("return context.Response.Body.WriteAsync(new global::System.ReadOnlyMemory<byte>(s_document), context.RequestAborted).AsTask();");
        extensions.Close();
        extensions.Close();
        extensions.Close();
        return text + indented + "    }\n}\n" + extensions;
    }


    private static string Indent(string text, int levels)
    {
        var prefix = new string(' ', levels * 4);
        return string.Concat(text.Split('\n').Select((line, i) => (line.Length > 0 ? prefix + line : line) + "\n")).TrimEnd('\n') + "\n";
    }

    private static int LongestQuoteRun(string text)
    {
        int longest = 0, run = 0;
        foreach (var c in text)
        {
            run = c == '"' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return longest;
    }
}
