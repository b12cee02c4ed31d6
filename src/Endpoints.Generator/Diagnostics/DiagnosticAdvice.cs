namespace Endpoints.Generator.Diagnostics;

internal static partial class DiagnosticDescriptors
{
    /// <summary>
    /// The parts of messages that vary with the mistake: where one id says different things for different causes (ids
    /// are public, so a cause cannot get an id of its own), the texts that fill its slots are here, beside the formats,
    /// so that the parser only chooses one and composes no prose. Each is named for what it tells the user.
    /// </summary>
    public static class Advice
    {
        // WS0001 NoCallbacks {1}
        public const string AddACallback = "add at least one, e.g. 'public void OnText(string text)'";

        public static string RenameToCallback(string method, string callback) => $"'{method}' is not a callback name: rename it to '{callback}'";

        // WS0002 ParameterCannotBeBound {2}
        public const string RawWebSocket = "the raw WebSocket is not handed out; take WebSocketConnection to send, close or read the connection";

        public const string ExceptionInOnClose =
            "OnClose receives no exception; take WebSocketCloseInfo, whose Reason says why the connection ended, and OnError(Exception) for the exception";

        public static string ExceptionOutsideOnError(string callback)
            => $"only OnError receives an exception; remove it from {callback} and add 'public void OnError(Exception error)'";

        public static string CloseInfoOutsideOnClose(string callback) => $"only OnClose receives WebSocketCloseInfo; remove it from {callback}";

        public static string AddRouteValue(string pattern, string name)
            => $"no route value of \"{pattern}\" is named '{name}'; add '{{{name}}}' to the route pattern, or mark it [FromQuery] or [FromHeader]";

        /// <param name="state">The state's type when OnOpen returns one.</param>
        public static string NotAConnectionValue(string type, string? state)
        {
            var notState = state is null ? "" : $" and it is not the state ('{state}')";
            return $"'{type}' is not a value of the connection{notState}; if it is a service, mark the parameter [FromServices] or take it in the constructor";
        }

        public const string TakeInvalidMessage =
            "OnInvalidMessage receives why the text was not a typed message as a WebSocketInvalidMessage (Reason, Detail, TypeName), never the text itself; "
            + "change the parameter's type to WebSocketInvalidMessage";

        public static string InvalidMessageTakenTwice(string taken)
            => $"OnInvalidMessage receives why the text was not a typed message as a WebSocketInvalidMessage, never the text itself, and '{taken}' takes it; remove it";

        /// <param name="source">What the value is, e.g. <c>route value</c> (<see cref="Common.RequestValueText.Describe"/>).</param>
        public static string NoTryParse(string source, string key, string type)
            => $"it takes the {source} '{key}', but '{type}' has no static TryParse method; "
               + "take it as string or as a type with a static TryParse(string, out T)";

        // WS0005 UnsupportedReturnType {2}
        public static string ResultIgnored(string callback)
            => $"{callback} may return void, Task or ValueTask, and the result would be ignored; return Task or ValueTask";

        public static string ReturnVoidOrTask(string callback)
            => $"{callback} may return void, Task or ValueTask; return void (or Task, ValueTask if it awaits)";

        public const string StateAField = "the state must be a type a field can hold; return a class or struct instead";

        // WS0007 StateWithoutState {3}
        public const string NoOnOpen = "there is no OnOpen";
        public const string OnOpenReturnsNothing = "OnOpen returns nothing";

        // WS0010 ClassNotAccessible {1} and {2}
        public const string FileLocal = "file-local";
        public const string RemoveFile = "remove 'file' (make it internal or public)";
        public const string MakeItVisible = "make it internal or public";

        public static string NestedIn(string accessibility, string container) => $"nested in {accessibility} '{container}'";

        public static string MakeContainerVisible(string container) => $"make '{container}' internal or public";

        // WS0013 ClassIsGeneric {1} and {2}
        public const string IsGeneric = "is generic";
        public const string RemoveTypeParameters = "remove its type parameters, or derive a non-generic class from it and put [WebSocketEndpoint] there";

        public static string NestedInGeneric(string container) => $"is nested in the generic type '{container}'";

        public static string MoveOutOf(string container) => $"move it out of '{container}'";

        // WS0017 NotAClass {1} and {2}
        public const string AMethod = "a method";
        public const string PutOnTheClass = "put it on the class, and name the method OnOpen, OnText, OnBinary, OnMessage, OnClose or OnError";
        public const string AnInterface = "an interface, which cannot be created";
        public const string PutOnAnImplementation = "put it on a class that implements the interface";
        public const string ARecordStruct = "a record struct";
        public const string DeclareARecord = "declare it as a 'record' (a record class) instead";
        public const string AStruct = "a struct";
        public const string DeclareAClass = "declare it as a 'class' instead";
        public const string NotAClass = "not a class";
        public const string PutOnAClass = "put it on a class";

        // WS0021 PatternWithoutLeadingSlash {1}
        public const string IsAUrl = "is a URL, but a route pattern is only its path";
        public const string NoLeadingSlash = "does not start with '/'";

        // WS0027 InvalidAttributeValue {0} (the value's problem) and {1}
        public static string Is(string property, string value) => $"{property} is {value}";

        public const string GiveMaxMessageSize =
            "give the largest message in bytes (greater than 0), or leave it out to use WebSocketEndpointOptions.MaxMessageSize";

        public const string GiveMaxStreamedMessageSize =
            "give the largest streamed message in bytes (greater than 0), or leave it out to use WebSocketEndpointOptions.MaxStreamedMessageSize";

        public const string EmptySubProtocol = "SubProtocols holds an empty name";
        public const string NameTheSubProtocol = "remove it, or name the subprotocol, e.g. \"chat.v1\"";

        /// <param name="value">The subprotocol as a C# literal.</param>
        /// <param name="character">The character as a C# literal.</param>
        public static string NotASubProtocolCharacter(string value, string character)
            => $"the subprotocol {value} contains {character}, which a Sec-WebSocket-Protocol name cannot hold";

        public const string SubProtocolCharacters = "give each subprotocol as its own string, using letters, digits and !#$%&'*+-.^_`|~ only";

        public static string SubProtocolTwice(string value) => $"SubProtocols lists {value} twice";

        public const string RemoveOne = "remove one";

        public static string NotAnOrigin(string value)
            => $"{value} in AllowedOrigins is not an origin (a scheme, a host and maybe a port, as a browser sends it)";

        public const string WriteAnOrigin = "write it as \"https://host\" or \"http://host:port\", or \"*\" for any origin";

        public static string Write(string suggestion) => $"write \"{suggestion}\"";

        // WS0033 WrongMessageType {4} and {6}
        /// <summary>The types a message may be taken as, in words ("string (or …; or TextReader, to read it while it arrives)").</summary>
        public static string AcceptedMessageTypes(string type, string? streamType, bool asUtf8)
            => streamType is null ? type
                : asUtf8 ? $"{type} (or ReadOnlyMemory<byte>, its UTF-8 bytes; or {streamType}, to read it while it arrives)"
                : $"{type} (or {streamType}, to read it while it arrives)";

        public static string TestTheException(string parameter, string type) => $" (and test '{parameter} is {type}' inside)";

        // WS0034 SecondMessageParameter {5}
        public static string RemoveOrBindFromRequest(string parameter)
            => $"remove '{parameter}' (who sent the message is this connection: keep what you need in the state OnOpen returns), "
               + "or mark it [FromQuery] or [FromHeader] to bind a value of the request";

        public static string Remove(string parameter) => $"remove '{parameter}'";

        // WS0035 ConstructorTakesConnectionValue {3}
        public const string TheConnection = "the connection";
        public const string TheHttpContext = "the upgrade request's HttpContext";
        public const string TheUser = "the connection's user";
        public const string TheLifetimeToken = "the connection's lifetime token";

        // WS0063 ConnectionValueTakenTwice {3}, besides TheConnection, TheHttpContext, TheUser and TheLifetimeToken
        public const string WhyNotATypedMessage = "why the text was not a typed message";
        public const string HowItClosed = "how a connection closed";
        public const string TheSocket = "the socket of one connection";

        public static string TheRouteValue(string name) => $"the route value '{name}'";

        // WS0040 BinaryBufferEscapes {1} (how it escapes), {2} (why that is a problem) and {3}
        public const string CapturedByALambda = "captured by a lambda or local function that may run later";

        public static string StoredIn(string member) => $"stored in '{member}'";

        public static string QueuedBy(string method) => $"queued by '{method}' without waiting for the write";

        public static string KeptBy(string receiver, string method) => $"kept by '{(receiver.Length > 0 ? receiver + "." : "")}{method}'";

        public static string NotAwaited(string method) => $"used by '{method}', which is not awaited";

        public static string BufferReused(string callback) => $"the buffer is reused once {callback} returns";

        public static string StreamEnds(string callback) => $"the stream ends once {callback} returns";

        public static string ReaderEnds(string callback) => $"the reader ends once {callback} returns";

        public static string CopyTheBytes(string parameter) => $"copy it with '{parameter}.ToArray()' to keep the data";

        public static string TakeTextOrCopyTheBytes(string parameter)
            => $"take the text as a string, or copy the bytes with '{parameter}.ToArray()', to keep it";

        public static string ReadBeforeReturning(string callback) => $"read it before {callback} returns (await the reads), copying what you need to keep";

        public static string AwaitTheSend(string parameter)
            => $"send it with 'await connection.SendBinaryAsync({parameter})', which completes once it is written, or queue a copy ('{parameter}.ToArray()')";

        public static string AwaitIt(string callback) => $"await it, so that it ends before {callback} returns";

        // WS0050 MessageTypeNotSerializable {1}
        public static string NoJsonContext(string type)
            => "no JsonSerializerContext in this project declares it; add one: "
               + $"'[JsonSerializable(typeof({type}))] internal partial class AppJsonContext : JsonSerializerContext;'";

        public static string AddToJsonContext(string type, string context) => $"add [JsonSerializable(typeof({type}))] to {context}";

        // WS0054 InvalidMessageType {1}
        public const string TypeParameter = "it is a type parameter; use a concrete class or record";
        public const string StringMessage = "a string is not a JSON object; take text in OnText, or wrap it in a record";
        public const string NotAJsonObject = "it is not a JSON object; wrap it in a record, e.g. 'record Count(int Value)'";
        public const string InterfaceMessage = "it is an interface, which cannot be created from JSON; use a concrete class or record";
        public const string AbstractMessage = "it is abstract, so it cannot be created from JSON; take each concrete type in an OnMessage of its own";
        public const string EnumMessage = "an enum is not a JSON object; wrap it in a record";
        public const string OpenGenericMessage = "it is an open generic type; use a closed one (every type argument given)";
        public const string NotAClassOrStruct = "it is not a class, record or struct";
        public const string ListMessage = "a list is not a JSON object; wrap it in a record";

        // WS0056 UndeclaredSendType {2}
        public static string AddToSends(string type) => $"; add typeof({type}) to Sends on its [WebSocketEndpoint]";

        public const string SendText = "; a string is not a typed message: send plain text with SendTextAsync instead of SendAsync";

        /// <param name="problem">Why it cannot be a typed message: one of WS0054's texts.</param>
        public static string CannotBeAMessage(string problem) => $", and cannot be one: {problem}";

        // WS0061 CallbackOnlyOnInterface {1}
        public static string DefaultMethodOf(string type) => $"a default method of '{type}'";

        public static string ExplicitImplementationOf(string member) => $"an explicit implementation of '{member}'";

        // WS0062 StructStateChanged {3}
        public static string MakeStateAClass(string type)
            => $"make '{type}' a class, so that every callback gets the same instance, or keep what changes in a field of the endpoint (there is one instance per connection)";

        public const string KeepInAField = "keep what changes in a field of the endpoint (there is one instance per connection)";

        // WS0070 ClientsOfNotAnEndpoint {1}
        public static string NameTheEndpoint(string endpoint) => $"name the endpoint class instead, e.g. 'IWebSocketClients<{endpoint}>'";

        public const string NameAnEndpointClass = "name the class marked [WebSocketEndpoint] whose connections it should reach";

        // WS0071 GroupChangeNotAwaited {1} and {2}
        public const string JoinMayMiss = "a message sent to the group right after it can miss the connection";
        public const string LeaveMayReach = "the connection may still be in the group when the next line runs";
        public const string AwaitTheCall = "await it";
        public const string MakeTheLambdaAsync = "make the lambda async and await it";

        /// <param name="returns">What it returns once async (<c>Task</c>, <c>Task&lt;string&gt;</c>); null when it returns a task already.</param>
        public static string MakeAsyncAndAwait(string method, string? returns)
            => returns is null ? $"make {method} async and await it" : $"make {method} async (return {returns}) and await it";

        // WS0072 SendInConstructor {2}
        public const string NoConnectionYet = "there is no open connection to send on";

        public const string NotOpenYet =
            "the new connection is not open yet and its upgrade may still fail, so the others would hear of a connection that never opened";

        // WS0073 UserIdMayBeNull {1}
        public static string WouldThrowForAnonymous(string method) => $"'{method}' would throw ArgumentNullException for an anonymous connection";

        public static string SameNameForAnonymous(string method) => $"every anonymous connection would get the same name in '{method}', with nothing in place of it";

        // WS0076 StreamWriterDropsTask {2}
        public static string MakeTheWriterAsync(string parameters) => $"make the writer async ('async ({parameters}) =>') and await it";

        // WS0077 TypePropertyCollision {4}, {5} and {6}
        public static string Collides(bool received, bool sent, string name)
        {
            const string readInto = "the type name a client sends would be read into it";
            var twice = $"every message sent would carry \"{name}\" twice";
            return received && sent ? readInto + " and " + twice : received ? readInto : twice;
        }

        /// <summary>A property name for the renamed property: the type's name and the property's, in camelCase ("moveType").</summary>
        public static string RenamedProperty(string type, string property)
            => type.Length == 0 ? property : char.ToLowerInvariant(type[0]) + type.Substring(1) + property;

        /// <summary>Another type property to suggest: "kind", or "messageType" where "kind" is the one that collides.</summary>
        public static string OtherTypeProperty(string current) => current == "kind" ? "messageType" : "kind";

        // WS0080 PropertyNotJson {0}, {2}, {3} and {4}; WS0081 CustomConverter {0} and {2}
        public static string TheProperty(string property, string type) => $"'{property}' of '{type}'";

        public const string ADelegate = "a delegate, which is code, not data";
        public const string APointer = "a pointer, an address in this process";
        public const string AHandle = "a native handle or address, which System.Text.Json refuses";
        public const string ASystemType = "a System.Type, which System.Text.Json refuses";
        public const string AStream = "a stream, which is not JSON data";
        public const string InterfaceValue = "an interface, which cannot be created from JSON";
        public const string AbstractValue = "an abstract class, which cannot be created from JSON";
        public const string ThrowsWhenWrittenOrRead = "System.Text.Json throws NotSupportedException when it writes or reads one";
        public const string ThrowsWhenRead = "reading a message that carries one throws NotSupportedException";
        public const string IgnoreIt = "remove it from the message, or mark it [JsonIgnore] if it is not meant to be sent";
        public const string SendTheTypeName = "carry its name instead (a 'string' property), or mark it [JsonIgnore]";
        public const string SendBytes = "change its type to 'byte[]' (written as base64), or mark it [JsonIgnore]";

        public static string ConcreteOrDerivedTypes(string type)
            => $"change its type to a class or record that is not abstract, or put [JsonDerivedType(typeof(…), \"…\")] on '{type}' for each of its concrete types";

        public static string RemoveConverterFromProperty(string converter, string type)
            => $"remove [JsonConverter(typeof({converter}))] from the property, so that the context writes '{type}' as the contract describes it";

        public static string RemoveConverterFromType(string converter, string type)
            => $"remove [JsonConverter(typeof({converter}))] from '{type}', so that the context writes it property by property";

        // WS0057 InvalidWireName {1}
        public const string TheTypeProperty = "the type property";

        public static string TheType(string type) => $"'{type}'";

        // WS0091 ClientNotPartial {1} {2}
        public const string ClientIsNotPartial = "is not partial";

        public static string DeclareClientPartial(string name) => $"declare it 'partial class {name}'";

        public const string ClientIsRecord = "is a record, and a record cannot derive from TypedEndpointsClient";

        public static string DeclareClientClass(string name) => $"declare it 'partial class {name}'";

        public const string ClientIsStatic = "is static";

        public const string RemoveStaticFromClient = "remove 'static': a typed client is an object over its connection";

        public const string ClientIsGeneric = "is generic";

        public const string RemoveClientTypeParameters = "remove its type parameters: the endpoint's contract decides every type";

        public static string ClientDerivesFrom(string baseType) => $"derives from '{baseType}'";

        public const string RemoveClientBase = "remove the base class: the typed client derives from Endpoints.Client.TypedEndpointsClient";

        public static string ClientNestedInNonPartial(string outer) => $"is nested in '{outer}', which is not partial";

        public static string MakeContainerPartial(string outer) => $"declare '{outer}' partial as well";

        // WS0092 ClientJsonContextMissing {0} {1}
        public static string NamedContextMissesTypes(string context, string types) => $"'{context}' does not cover {types}";

        public static string AddToClientContext(string context, string types) => $"add [JsonSerializable(typeof(…))] for {types} to '{context}'";

        public static string NoUsableContext(string endpoint, string types)
            => $"the endpoint '{endpoint}''s JSON context is not visible here, and no JsonSerializerContext of this project covers {types}";

        public static string DeclareClientContext(string types)
            => $"declare one with [JsonSerializable(typeof(…))] for {types} and the endpoint's options (e.g. [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]), or make the endpoint's context public";

        // WS0093 ClientContractUnreadable {1}
        public const string ContractHasUnresolvedTypes = "some types it names are unknown here";

        public const string EndpointHasErrors = "it has errors of its own, reported where they are";

        // WS0094 ClientJsonNamesDiffer {1} {3}
        public static string NamesWritten(string policy) => policy.Length == 0 ? "as declared (no naming policy)" : "in " + policy;
    }
}
