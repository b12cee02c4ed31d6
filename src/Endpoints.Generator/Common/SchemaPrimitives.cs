using System.Collections.Generic;
using Endpoints.Generator.Model;

namespace Endpoints.Generator.Common;

/// <summary>
/// The JSON System.Text.Json writes for the BCL's value-like types, by their name as generated code writes it (keywords
/// for special types, else <c>global::</c>-qualified): used for message properties (parsing) and for request values,
/// whose spec holds only the name (emitting).
/// </summary>
internal static class SchemaPrimitives
{
    private static readonly TypeUse s_any = new(TypeUseKind.Any);
    private static readonly TypeUse s_base64 = new(TypeUseKind.String, Encoding: "base64");

    private static readonly Dictionary<string, TypeUse> s_known = new()
    {
        ["string"] = new(TypeUseKind.String),
        ["bool"] = new(TypeUseKind.Boolean),
        ["char"] = new(TypeUseKind.String, Length: 1),
        ["byte"] = new(TypeUseKind.Integer, "int32", Minimum: "0", Maximum: "255"),
        ["sbyte"] = new(TypeUseKind.Integer, "int32", Minimum: "-128", Maximum: "127"),
        ["short"] = new(TypeUseKind.Integer, "int32", Minimum: "-32768", Maximum: "32767"),
        ["ushort"] = new(TypeUseKind.Integer, "int32", Minimum: "0", Maximum: "65535"),
        ["int"] = new(TypeUseKind.Integer, "int32"),
        ["uint"] = new(TypeUseKind.Integer, "int64", Minimum: "0", Maximum: "4294967295"),
        ["long"] = new(TypeUseKind.Integer, "int64"),
        ["ulong"] = new(TypeUseKind.Integer, Minimum: "0"),
        ["global::System.Int128"] = new(TypeUseKind.Integer),
        ["global::System.UInt128"] = new(TypeUseKind.Integer, Minimum: "0"),
        ["float"] = new(TypeUseKind.Number, "float"),
        ["double"] = new(TypeUseKind.Number, "double"),
        ["global::System.Half"] = new(TypeUseKind.Number),
        ["decimal"] = new(TypeUseKind.Number),
        ["object"] = s_any,
        ["global::System.DateTime"] = new(TypeUseKind.String, "date-time"),
        ["global::System.DateTimeOffset"] = new(TypeUseKind.String, "date-time"),
        ["global::System.DateOnly"] = new(TypeUseKind.String, "date"),
        // "HH:mm:ss.fffffff" and "d.hh:mm:ss.fffffff": neither is RFC 3339's time nor ISO 8601's duration, so no format.
        ["global::System.TimeOnly"] = new(TypeUseKind.String),
        ["global::System.TimeSpan"] = new(TypeUseKind.String),
        ["global::System.Guid"] = new(TypeUseKind.String, "uuid"),
        ["global::System.Uri"] = new(TypeUseKind.String, "uri-reference"),
        ["global::System.Version"] = new(TypeUseKind.String),
        ["byte[]"] = s_base64,
        ["global::System.Memory<byte>"] = s_base64,
        ["global::System.ReadOnlyMemory<byte>"] = s_base64,
        ["global::System.Text.Json.JsonElement"] = s_any,
        ["global::System.Text.Json.JsonDocument"] = s_any,
        ["global::System.Text.Json.Nodes.JsonNode"] = s_any,
        ["global::System.Text.Json.Nodes.JsonValue"] = s_any,
        ["global::System.Text.Json.Nodes.JsonObject"] = new(TypeUseKind.Map, Item: new TypeUse(TypeUseKind.Any)),
        ["global::System.Text.Json.Nodes.JsonArray"] = new(TypeUseKind.Array, Item: new TypeUse(TypeUseKind.Any)),
    };

    /// <summary>How <paramref name="typeName"/> is written, or null when it is not one of these.</summary>
    public static TypeUse? For(string typeName) => s_known.TryGetValue(typeName, out var use) ? use : null;
}
