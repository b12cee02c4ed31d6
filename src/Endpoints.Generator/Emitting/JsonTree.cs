using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Endpoints.Generator.Emitting;

/// <summary>A JSON value to write (the generator cannot use System.Text.Json): objects keep their keys' order.</summary>
internal abstract class JsonNode
{
    public static JsonNode String(string value) => new JsonValue(Quote(value));

    public static JsonNode Number(string value) => new JsonValue(value);

    public static JsonNode Bool(bool value) => new JsonValue(value ? "true" : "false");

    /// <summary>The value as indented JSON, lines ending with \n.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        Write(text, 0);
        return text.ToString();
    }

    internal abstract void Write(StringBuilder text, int indent);

    internal virtual bool IsScalar => false;

    public static string Quote(string value)
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
                    // Surrogates too (a pair as two escapes, which JSON allows): a lone one cannot be written into a C# file.
                    if (c < ' ' || char.IsSurrogate(c)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}

internal sealed class JsonValue(string raw) : JsonNode
{
    internal override bool IsScalar => true;

    internal override void Write(StringBuilder text, int indent) => text.Append(raw);
}

internal sealed class JsonObject : JsonNode
{
    private readonly List<KeyValuePair<string, JsonNode>> _members = new();

    public int Count => _members.Count;

    public bool Has(string key) => _members.Any(m => m.Key == key);

    public JsonObject Add(string key, JsonNode value)
    {
        _members.Add(new KeyValuePair<string, JsonNode>(key, value));
        return this;
    }

    public JsonObject Add(string key, string value) => Add(key, String(value));

    internal override void Write(StringBuilder text, int indent)
    {
        if (_members.Count == 0)
        {
            text.Append("{}");
            return;
        }
        text.Append("{\n");
        for (var i = 0; i < _members.Count; i++)
        {
            text.Append(' ', (indent + 1) * 2).Append(Quote(_members[i].Key)).Append(": ");
            _members[i].Value.Write(text, indent + 1);
            text.Append(i < _members.Count - 1 ? ",\n" : "\n");
        }
        text.Append(' ', indent * 2).Append('}');
    }
}

internal sealed class JsonArray : JsonNode
{
    private readonly List<JsonNode> _items = new();

    public JsonArray()
    {
    }

    public JsonArray(IEnumerable<JsonNode> items) => _items.AddRange(items);

    public int Count => _items.Count;

    public JsonArray Add(JsonNode item)
    {
        _items.Add(item);
        return this;
    }

    internal override void Write(StringBuilder text, int indent)
    {
        if (_items.All(static i => i.IsScalar))
        {
            // Short lists of names and numbers stay on one line.
            text.Append('[');
            for (var i = 0; i < _items.Count; i++)
            {
                if (i > 0) text.Append(", ");
                _items[i].Write(text, indent);
            }
            text.Append(']');
            return;
        }
        text.Append("[\n");
        for (var i = 0; i < _items.Count; i++)
        {
            text.Append(' ', (indent + 1) * 2);
            _items[i].Write(text, indent + 1);
            text.Append(i < _items.Count - 1 ? ",\n" : "\n");
        }
        text.Append(' ', indent * 2).Append(']');
    }
}
