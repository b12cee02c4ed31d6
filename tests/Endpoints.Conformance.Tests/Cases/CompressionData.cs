using System.Text;

namespace Endpoints.Conformance.Tests.Cases;

/// <summary>
/// Stand-ins for Autobahn's permessage-deflate test files (12.x), made here from a fixed seed instead of shipped: the same
/// kinds of data, in Autobahn's order (JSON text, a bitmap, German prose sent as binary, HTML text, a PDF's mostly
/// incompressible bytes), about the same sizes. Text data sets are sliced by characters and sent as text, as Autobahn does.
/// </summary>
public sealed class CompressionData
{
    private static readonly Lazy<CompressionData[]> s_all = new(() =>
    [
        new("json_data1", "JSON data (text)", false, Json()),
        new("lena512", "Bitmap 512x512 greyscale (binary)", true, Bitmap()),
        new("gutenberg_faust", "German prose, UTF-8 (sent as binary)", true, Encoding.UTF8.GetBytes(Prose())),
        new("html_data1", "HTML page (text)", false, Html()),
        new("ooms", "PDF-like, mostly incompressible (binary)", true, PdfLike()),
    ]);

    private CompressionData(string key, string description, bool binary, byte[] bytes)
    {
        Key = key;
        Description = description;
        Binary = binary;
        Bytes = bytes;
        Text = binary ? "" : Encoding.UTF8.GetString(bytes);
    }

    private CompressionData(string key, string description, bool binary, string text)
        : this(key, description, binary, Encoding.UTF8.GetBytes(text))
    {
    }

    public static IReadOnlyList<CompressionData> All => s_all.Value;

    public static CompressionData Get(string key) => All.Single(d => d.Key == key);

    public string Key { get; }
    public string Description { get; }
    public bool Binary { get; }
    public byte[] Bytes { get; }
    private string Text { get; }

    /// <summary>
    /// The messages of a case, as Autobahn's sendOne makes them: <paramref name="count"/> slices of <paramref name="length"/>
    /// (bytes, or characters for text), each starting where the last ended and wrapping around the data.
    /// </summary>
    public List<byte[]> Messages(int length, int count)
    {
        var messages = new List<byte[]>(count);
        var pointer = 0;
        for (var i = 0; i < count; i++)
        {
            if (Binary)
            {
                var message = new byte[length];
                for (var k = 0; k < length; k++) message[k] = Bytes[(pointer + k) % Bytes.Length];
                pointer = (pointer + length) % Bytes.Length;
                messages.Add(message);
            }
            else
            {
                var builder = new StringBuilder(length);
                for (var k = 0; k < length; k++) builder.Append(Text[(pointer + k) % Text.Length]);
                pointer = (pointer + length) % Text.Length;
                messages.Add(Encoding.UTF8.GetBytes(builder.ToString()));
            }
        }
        return messages;
    }

    private static readonly string[] s_words =
    [
        "Habe", "nun", "ach", "Philosophie", "Juristerei", "und", "Medizin", "leider", "auch", "Theologie", "durchaus", "studiert",
        "mit", "heißem", "Bemühn", "Da", "steh", "ich", "armer", "Tor", "bin", "so", "klug", "als", "wie", "zuvor", "Heiße",
        "Magister", "Doktor", "gar", "ziehe", "schon", "zehen", "Jahr", "Herauf", "herab", "quer", "krumm", "meine", "Schüler",
        "an", "der", "Nase", "herum", "sehe", "daß", "wir", "nichts", "wissen", "können", "Das", "will", "mir", "schier", "das",
        "Herz", "verbrennen", "Zwar", "gescheiter", "alle", "Laffen", "Schreiber", "Pfaffen", "Mich", "plagen", "keine", "Skrupel",
        "Zweifel", "fürchte", "weder", "Hölle", "noch", "Teufel", "Dafür", "ist", "Freud", "entrissen", "Bild", "Wüste", "Öl",
    ];

    private static string Prose()
    {
        var random = new Random(2229);
        var text = new StringBuilder();
        while (text.Length < 220_000)
        {
            var words = random.Next(5, 14);
            for (var i = 0; i < words; i++)
            {
                if (i > 0) text.Append(' ');
                var word = s_words[random.Next(s_words.Length)];
                text.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            }
            text.Append(random.Next(4) == 0 ? "!\n" : ",\n");
        }
        return text.ToString();
    }

    private static string Json()
    {
        var random = new Random(1);
        string[] cities = ["Zürich", "München", "Kraków", "São Paulo", "Tōkyō", "Reykjavík", "Αθήνα", "Москва", "北京", "Dublin"];
        string[] tags = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
        var json = new StringBuilder("[\n");
        for (var i = 0; json.Length < 190_000; i++)
        {
            if (i > 0) json.Append(",\n");
            json.Append("  {\"id\": ").Append(10000 + i)
                .Append(", \"guid\": \"").Append(new Guid(BitConverter.GetBytes(random.NextInt64()).Concat(BitConverter.GetBytes(random.NextInt64())).ToArray())).Append('"')
                .Append(", \"active\": ").Append(random.Next(2) == 0 ? "true" : "false")
                .Append(", \"balance\": ").Append((random.NextDouble() * 10000).ToString("F2", System.Globalization.CultureInfo.InvariantCulture))
                .Append(", \"city\": \"").Append(cities[random.Next(cities.Length)]).Append('"')
                .Append(", \"tags\": [").Append(string.Join(", ", Enumerable.Range(0, random.Next(1, 5)).Select(_ => $"\"{tags[random.Next(tags.Length)]}\""))).Append(']')
                .Append(", \"friends\": [{\"id\": ").Append(random.Next(100)).Append(", \"name\": \"").Append(s_words[random.Next(s_words.Length)]).Append("\"}]}");
        }
        return json.Append("\n]\n").ToString();
    }

    private static string Html()
    {
        var random = new Random(3);
        var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"de\">\n<head><meta charset=\"utf-8\"><title>Daten</title>\n<style>td { padding: 2px; } .x { color: #333; }</style></head>\n<body>\n");
        for (var section = 0; html.Length < 260_000; section++)
        {
            html.Append("<h2 id=\"s").Append(section).Append("\">Abschnitt ").Append(section).Append(" – ").Append(s_words[random.Next(s_words.Length)]).Append("</h2>\n<table class=\"x\">\n");
            for (var row = 0; row < 12; row++)
            {
                html.Append("  <tr>");
                for (var cell = 0; cell < 5; cell++) html.Append("<td>").Append(s_words[random.Next(s_words.Length)]).Append(' ').Append(random.Next(1000)).Append("</td>");
                html.Append("</tr>\n");
            }
            html.Append("</table>\n<p><a href=\"/seite/").Append(random.Next(100000)).Append("\">weiter</a> &amp; mehr…</p>\n");
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    private static byte[] Bitmap()
    {
        const int size = 512;
        var random = new Random(512);
        var header = new byte[1078]; // BITMAPFILEHEADER + BITMAPINFOHEADER + 256-entry palette
        "BM"u8.CopyTo(header);
        BitConverter.GetBytes(header.Length + size * size).CopyTo(header, 2);
        BitConverter.GetBytes(header.Length).CopyTo(header, 10);
        BitConverter.GetBytes(40).CopyTo(header, 14);
        BitConverter.GetBytes(size).CopyTo(header, 18);
        BitConverter.GetBytes(size).CopyTo(header, 22);
        BitConverter.GetBytes((short)1).CopyTo(header, 26);
        BitConverter.GetBytes((short)8).CopyTo(header, 28);
        for (var i = 0; i < 256; i++) header[54 + i * 4] = header[55 + i * 4] = header[56 + i * 4] = (byte)i;
        var pixels = new byte[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var value = 128 + 60 * Math.Sin(x / 23.0) * Math.Cos(y / 31.0) + 40 * Math.Sin((x + y) / 57.0) + random.Next(-6, 7);
                pixels[y * size + x] = (byte)Math.Clamp(value, 0, 255);
            }
        }
        return [.. header, .. pixels];
    }

    private static byte[] PdfLike()
    {
        var random = new Random(105);
        var output = new MemoryStream();
        output.Write("%PDF-1.4\n"u8);
        for (var i = 1; output.Length < 1_000_000; i++)
        {
            var header = Encoding.ASCII.GetBytes($"{i} 0 obj\n<< /Length {4096} /Filter /FlateDecode >>\nstream\n");
            output.Write(header);
            var stream = new byte[4096];
            random.NextBytes(stream);
            output.Write(stream);
            output.Write("\nendstream\nendobj\n"u8);
        }
        output.Write("%%EOF\n"u8);
        return output.ToArray();
    }
}
