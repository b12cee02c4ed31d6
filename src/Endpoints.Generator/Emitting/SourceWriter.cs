using System;
using System.Text;

namespace Endpoints.Generator.Emitting;

/// <summary>Writes indented C# text; lines end with \n whatever the platform, so output is byte-identical.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    public void Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent = Math.Max(0, _indent - 1);
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
