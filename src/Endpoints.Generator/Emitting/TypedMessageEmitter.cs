using System.Linq;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using static Endpoints.Generator.Emitting.EmitterText;

namespace Endpoints.Generator.Emitting;

/// <summary>
/// Writes typed messages: the dispatch of a received text message to its OnMessage (the type property read with
/// Utf8JsonReader, then one deserialization through the user's JsonSerializerContext), and the codec for sends.
/// </summary>
internal static class TypedMessageEmitter
{
    private const string JsonTypeInfo = "global::System.Text.Json.Serialization.Metadata.JsonTypeInfo";
    private const string InvalidMessage = "global::Endpoints.WebSocketInvalidMessage";
    private const string InvalidReason = "global::Endpoints.WebSocketInvalidMessageReason";

    public static string CodecName(EndpointSpec spec) => spec.Identifier + "_Codec";

    public static void WriteDispatch(SourceWriter writer, EndpointSpec spec, TypedMessagesSpec typed)
    {
        writer.Line();
        foreach (var message in typed.Received) WriteTypeInfo(writer, typed, message.Type);
        var replies = typed.Received.Where(static m => m.Reply is not null).Select(static m => m.Reply!).GroupBy(static r => r.Identifier).Select(static g => g.First());
        foreach (var reply in replies.Where(r => !typed.Received.Any(m => m.Type.Identifier == r.Identifier))) WriteTypeInfo(writer, typed, reply);
        var several = typed.Received.Count > 1;
        var property = CSharpText.Literal(typed.TypeProperty);
        writer.Line();
        writer.Open($"protected override {ValueTask} {RuntimeContract.OnTextAsync}(global::System.ReadOnlyMemory<byte> utf8)");
        if (several)
        {
            writer.Open($"if (!{RuntimeContract.Json}.{RuntimeContract.TryReadType}(utf8.Span, {property}u8, out var type, out var invalidJson, out var escaped))");
            writer.Line($"return InvalidMessageAsync(invalidJson");
            writer.Line($"    ? new {InvalidMessage}({InvalidReason}.InvalidJson, \"The message is not a JSON object.\", null)");
            writer.Line($"    : new {InvalidMessage}({InvalidReason}.UnknownType, {CSharpText.Literal($"The message has no \"{typed.TypeProperty}\" property.")}, null));");
            writer.Close();
            foreach (var message in typed.Received)
            {
                writer.Open($"if ({RuntimeContract.Json}.{RuntimeContract.TypeIs}(utf8.Span, type, escaped, {CSharpText.Literal(message.Type.WireName)}u8))");
                WriteDeserializeAndCall(writer, spec, message, CSharpText.Literal(message.Type.WireName));
                writer.Close();
            }
            writer.Line($"return InvalidMessageAsync(new {InvalidMessage}({InvalidReason}.UnknownType, \"No OnMessage takes this type.\", {RuntimeContract.Json}.{RuntimeContract.TypeText}(utf8.Span, type, escaped)));");
        }
        else
        {
            WriteDeserializeAndCall(writer, spec, typed.Received[0], "null");
        }
        writer.Close();

        writer.Line();
        if (typed.OnInvalidMessage is { } onInvalid)
        {
            writer.Open($"private {ValueTask} InvalidMessageAsync({InvalidMessage} invalid)");
            WriteReturnCall(writer, onInvalid.Return, EndpointEmitter.Call(spec, onInvalid));
            writer.Close();
        }
        else
        {
            writer.Line($"private {ValueTask} InvalidMessageAsync({InvalidMessage} invalid) => {RuntimeContract.RejectMessageAsync}(invalid);");
        }
    }

    private static void WriteDeserializeAndCall(SourceWriter writer, EndpointSpec spec, ReceivedMessageSpec message, string typeName)
    {
        writer.Open($"if (!{RuntimeContract.Json}.{RuntimeContract.TryDeserialize}(utf8.Span, {TypeInfoField(message.Type)}, out var message, out var error))");
        writer.Line($"return InvalidMessageAsync(new {InvalidMessage}({InvalidReason}.InvalidJson, error!, {typeName}));");
        writer.Close();
        if (message.Reply is { } reply)
        {
            // The reply answers the client's request (endpoints.v1), else goes out as an ordinary message.
            writer.Line($"return {RuntimeContract.ReplyAsync}({EndpointEmitter.Call(spec, message.Callback)}, {TypeInfoField(reply)});");
            return;
        }
        WriteReturnCall(writer, message.Callback.Return, EndpointEmitter.Call(spec, message.Callback));
    }

    private static void WriteReturnCall(SourceWriter writer, CallbackReturn returns, string call)
    {
        switch (returns)
        {
            case CallbackReturn.ValueTask:
                writer.Line($"return {call};");
                break;
            case CallbackReturn.Task:
                writer.Line($"return new {ValueTask}({call});");
                break;
            default:
                writer.Line(call + ";");
                writer.Line("return default;");
                break;
        }
    }

    public static void WriteCodec(SourceWriter writer, EndpointSpec spec, TypedMessagesSpec typed, string version)
    {
        writer.Line($"/// <summary>Encodes the typed messages <see cref=\"{spec.TypeName}\"/> sends, through its JsonSerializerContext.</summary>");
        writer.Line(GeneratedCodeAttribute(version));
        writer.Open($"file sealed class {CodecName(spec)} : {RuntimeContract.Codec}");
        foreach (var message in typed.Sent) WriteTypeInfo(writer, typed, message);
        writer.Line();
        writer.Open($"public override bool {RuntimeContract.TryEncode}<TMessage>(TMessage message, out global::Endpoints.WebSocketMessage encoded)");
        var property = typed.Sent.Count > 1 ? CSharpText.Literal(typed.TypeProperty) + "u8" : "default";
        foreach (var message in typed.Sent)
        {
            var name = typed.Sent.Count > 1 ? CSharpText.Literal(message.WireName) + "u8" : "default";
            writer.Open($"if (typeof(TMessage) == typeof({message.TypeName}))");
            writer.Line($"encoded = {RuntimeContract.Json}.{RuntimeContract.Serialize}(({message.TypeName})(object)message!, {TypeInfoField(message)}, {property}, {name});");
            writer.Line("return true;");
            writer.Close();
        }
        writer.Line("encoded = default;");
        writer.Line("return false;");
        writer.Close();
        writer.Line();
        // Replies to the server's requests are read through the context.
        writer.Line($"public override global::System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(global::System.Type type) => {typed.Context}.Default.GetTypeInfo(type);");
        writer.Close();
    }

    private static void WriteTypeInfo(SourceWriter writer, TypedMessagesSpec typed, MessageTypeSpec message)
        => writer.Line($"private static readonly {JsonTypeInfo}<{message.TypeName}> {TypeInfoField(message)} = ({JsonTypeInfo}<{message.TypeName}>){typed.Context}.Default.GetTypeInfo(typeof({message.TypeName}))!;");

    private static string TypeInfoField(MessageTypeSpec message) => "s_" + message.Identifier;
}
