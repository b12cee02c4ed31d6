using System.Globalization;
using System.Text;

namespace Endpoints.Generator.Common;

/// <summary>Turns values into C# source text: literals, identifiers and XML doc text. Used by parser and emitter alike.</summary>
internal static class CSharpText
{
    /// <summary>A C# string literal for <paramref name="value"/>.</summary>
    public static string Literal(string value)
    {
        var text = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    // Control characters and lone surrogates are escaped: they cannot appear as themselves in a source file.
                    var paired = char.IsHighSurrogate(c) ? i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                        : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1]);
                    if (char.IsControl(c) || (char.IsSurrogate(c) && !paired)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    /// <summary>A C# character literal for <paramref name="c"/>.</summary>
    public static string CharLiteral(char c)
        => c >= ' ' && c <= '~' && c != '\'' && c != '\\' ? "'" + c + "'" : "'\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) + "'";

    /// <summary>A C# identifier made from <paramref name="name"/>: every character that may not appear in one becomes '_'.</summary>
    public static string Identifier(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] != '_') chars[i] = '_';
        }
        var identifier = new string(chars);
        return identifier.Length == 0 || char.IsDigit(identifier[0]) ? "_" + identifier : identifier;
    }

    /// <summary>Text safe inside an XML doc comment.</summary>
    public static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
