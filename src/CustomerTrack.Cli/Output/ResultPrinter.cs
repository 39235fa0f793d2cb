using System.Text;
using System.Text.Json;
using CustomerTrack.Query;
using CustomerTrack.Warehouse;
using nietras.SeparatedValues;

namespace CustomerTrack.Cli.Output;

/// <summary>
/// Prints a query's answer as an aligned table (NULL written <c>NULL</c>, an empty string left empty), CSV (header
/// row), JSON (an array of objects) or NDJSON (one object a line); JSON keys are the column names, timestamps ISO 8601
/// with a <c>Z</c>.
/// </summary>
internal static class ResultPrinter
{
    public static readonly string[] Formats = ["table", "box", "markdown", "line", "csv", "json", "ndjson"];

    /// <summary>Prints the answer, and on <paramref name="error"/> a line saying so when Query:MaxRows cut it.</summary>
    public static void Print(QueryResult result, string format, TextWriter output, TextWriter error)
    {
        // Wide answers fit the terminal (table and box cut cells with an ellipsis); a pipe or a file gets them whole.
        Print(result, format, output, Terminal.Width(output));
        if (result.CutAt is { } cut)
        {
            error.WriteLine($"customertrack: the answer was cut after {cut} rows (Query:MaxRows); add a LIMIT or a WHERE, or raise the setting");
        }
    }

    public static void Print(QueryResult result, string format, TextWriter output, int? width = null,
        IReadOnlyList<(int Column, int Narrowest)>? shrinkFirst = null)
    {
        switch (format)
        {
            case "csv":
                Csv(result, output);
                break;
            case "json":
                Json(result, output, lines: false);
                break;
            case "ndjson":
                Json(result, output, lines: true);
                break;
            case "box":
                Box(result, output, width);
                break;
            case "markdown":
                Markdown(result, output);
                break;
            case "line":
                Lines(result, output);
                break;
            default:
                Table(result, output, width, shrinkFirst);
                break;
        }
    }

    /// <summary>How a table shows NULL, as DuckDB's own shell does, so that it differs from an empty string.</summary>
    public const string Null = "NULL";

    /// <summary>A displayed timestamp (<c>yyyy-MM-dd HH:mm:ss[.ffffff]</c>, UTC) as ISO 8601 with a <c>Z</c>; anything else as it is.</summary>
    public static string Iso(string display) =>
        display.Length >= 19 && display[10] == ' ' && !display.EndsWith('Z') ? display[..10] + "T" + display[11..] + "Z" : display;

    private static void Table(QueryResult result, TextWriter output, int? width, IReadOnlyList<(int Column, int Narrowest)>? shrinkFirst)
    {
        var widths = result.Columns.Select(c => Escape(c.Name, keepLineBreaks: false).Length).ToArray();
        foreach (var row in result.Rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Escape(row[i] ?? Null, keepLineBreaks: false).Length);
            }
        }

        Fit(widths, width, separator: 3, shrinkFirst);
        string Line(IEnumerable<string> cells, IEnumerable<bool> right) =>
            string.Join(" | ", cells.Zip(widths, right).Select(x => x.Third ? Cut(x.First, x.Second).PadLeft(x.Second) : Cut(x.First, x.Second).PadRight(x.Second))).TrimEnd();

        var numeric = result.Columns.Select(c => c.Kind == CellKind.Number).ToArray();
        output.WriteLine(Line(result.Columns.Select(c => Escape(c.Name, keepLineBreaks: false)), numeric.Select(_ => false)));
        output.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in result.Rows)
        {
            output.WriteLine(Line(row.Select(v => Escape(v ?? Null, keepLineBreaks: false)), numeric));
        }

        output.WriteLine(result.Rows.Count == 1 ? "(1 row)" : $"({result.Rows.Count} rows)");
    }

    /// <summary>Each cell as a table shows it: NULL as <c>NULL</c>, control characters escaped.</summary>
    private static string Cell(string? value) => Escape(value ?? Null, keepLineBreaks: false);

    private static int[] Widths(QueryResult result) =>
        Enumerable.Range(0, result.Columns.Count)
            .Select(i => result.Rows.Select(r => Cell(r[i]).Length).Prepend(Cell(result.Columns[i].Name).Length).Max()).ToArray();

    /// <summary>DuckDB's box mode: the table drawn with box characters, cut to <paramref name="width"/> like the table.</summary>
    private static void Box(QueryResult result, TextWriter output, int? width)
    {
        var widths = Widths(result);
        Fit(widths, width is { } w ? w - 4 : null, separator: 3);
        var numeric = result.Columns.Select(c => c.Kind == CellKind.Number).ToArray();
        string Rule(char left, char middle, char right) =>
            left + string.Join(middle, widths.Select(x => new string('─', x + 2))) + right;
        string Row(IEnumerable<string> cells, bool header) =>
            "│" + string.Concat(cells.Select((c, i) =>
            {
                var cut = Cut(c, widths[i]);
                return " " + (!header && numeric[i] ? cut.PadLeft(widths[i]) : cut.PadRight(widths[i])) + " │";
            }));

        output.WriteLine(Rule('┌', '┬', '┐'));
        output.WriteLine(Row(result.Columns.Select(c => Cell(c.Name)), header: true));
        output.WriteLine(Rule('├', '┼', '┤'));
        foreach (var row in result.Rows)
        {
            output.WriteLine(Row(row.Select(Cell), header: false));
        }

        output.WriteLine(Rule('└', '┴', '┘'));
        output.WriteLine(result.Rows.Count == 1 ? "(1 row)" : $"({result.Rows.Count} rows)");
    }

    /// <summary>A GitHub-flavoured Markdown table (a <c>|</c> in a cell escaped), numbers aligned right; never cut.</summary>
    private static void Markdown(QueryResult result, TextWriter output)
    {
        static string M(string? v) => Cell(v).Replace("|", "\\|", StringComparison.Ordinal);
        output.WriteLine("| " + string.Join(" | ", result.Columns.Select(c => M(c.Name))) + " |");
        output.WriteLine("|" + string.Join("|", result.Columns.Select(c => c.Kind == CellKind.Number ? "---:" : "---")) + "|");
        foreach (var row in result.Rows)
        {
            output.WriteLine("| " + string.Join(" | ", row.Select(M)) + " |");
        }
    }

    /// <summary>DuckDB's line mode: one <c>column = value</c> a line, names aligned right, a blank line between rows.</summary>
    private static void Lines(QueryResult result, TextWriter output)
    {
        var name = result.Columns.Count == 0 ? 0 : result.Columns.Max(c => Cell(c.Name).Length);
        for (var r = 0; r < result.Rows.Count; r++)
        {
            if (r > 0)
            {
                output.WriteLine();
            }

            for (var i = 0; i < result.Columns.Count; i++)
            {
                output.WriteLine($"{Cell(result.Columns[i].Name).PadLeft(name)} = {Cell(result.Rows[r][i])}");
            }
        }
    }

    /// <summary>The narrowest a column is cut to when a table does not fit: room for two characters and the ellipsis.</summary>
    private const int NarrowestColumn = 3;

    /// <summary>
    /// Narrows the widest columns, one character at a time, until the row (columns and their separators) fits in
    /// <paramref name="width"/>; no column below <see cref="NarrowestColumn"/> (a table of many columns may still be wider).
    /// </summary>
    internal static void Fit(int[] widths, int? width, int separator, IReadOnlyList<(int Column, int Narrowest)>? first = null)
    {
        if (width is not { } room)
        {
            return;
        }

        // Columns that give way first (a long free-text column), each down to its own narrowest.
        foreach (var (column, narrowest) in first ?? [])
        {
            var over = widths.Sum() + (separator * Math.Max(0, widths.Length - 1)) - room;
            if (over > 0)
            {
                widths[column] = Math.Max(Math.Min(widths[column], narrowest), widths[column] - over);
            }
        }

        while (widths.Sum() + (separator * Math.Max(0, widths.Length - 1)) > room)
        {
            var widest = Array.IndexOf(widths, widths.Max());
            if (widths[widest] <= NarrowestColumn)
            {
                return;
            }

            widths[widest]--;
        }
    }

    /// <summary>A cell cut to <paramref name="width"/> characters, its last one an ellipsis when it was longer.</summary>
    internal static string Cut(string cell, int width) => cell.Length <= width ? cell : cell[..(width - 1)] + "…";

    /// <summary>
    /// Control characters written as <c>\xHH</c>, so that data cannot drive the terminal it is printed on (ESC starts
    /// colour and cursor sequences, OSC ones set titles and clipboards, BEL rings). CSV keeps line breaks and tabs, which
    /// its quoting carries; a table row must stay on its line.
    /// </summary>
    internal static string Escape(string value, bool keepLineBreaks)
    {
        if (!value.Any(c => IsControl(c, keepLineBreaks)))
        {
            return value;
        }

        var b = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            b.Append(IsControl(c, keepLineBreaks) ? $"\\x{(int)c:X2}" : c.ToString());
        }

        return b.ToString();
    }

    private static bool IsControl(char c, bool keepLineBreaks) =>
        (c < 0x20 && !(keepLineBreaks && c is '\n' or '\r' or '\t')) || (c >= 0x7F && c <= 0x9F);

    private static void Csv(QueryResult result, TextWriter output)
    {
        if (result.Columns.Count == 0)
        {
            return;
        }

        using var writer = Sep.Writer(o => o with { Sep = new Sep(','), Escape = true, WriteHeader = false, DisableColCountCheck = true }).To(output, leaveOpen: true);
        using (var header = writer.NewRow())
        {
            for (var i = 0; i < result.Columns.Count; i++)
            {
                header[i].Set(Escape(result.Columns[i].Name, keepLineBreaks: true));
            }
        }

        foreach (var values in result.Rows)
        {
            using var row = writer.NewRow();
            for (var i = 0; i < values.Length; i++)
            {
                row[i].Set(Escape(values[i] ?? "", keepLineBreaks: true));
            }
        }
    }

    private static void Json(QueryResult result, TextWriter output, bool lines)
    {
        var options = new JsonWriterOptions { Indented = !lines, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        if (lines)
        {
            foreach (var row in result.Rows)
            {
                output.WriteLine(Write(options, json => Object(json, result, row)));
            }

            return;
        }

        output.WriteLine(Write(options, json =>
        {
            json.WriteStartArray();
            foreach (var row in result.Rows)
            {
                Object(json, result, row);
            }

            json.WriteEndArray();
        }));
    }

    private static string Write(JsonWriterOptions options, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, options))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Object(Utf8JsonWriter json, QueryResult result, string?[] row)
    {
        json.WriteStartObject();
        for (var i = 0; i < row.Length; i++)
        {
            json.WritePropertyName(result.Columns[i].Name);
            Value(json, result.Columns[i].Kind, row[i]);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// <c>changes</c> in JSON: one object a key, its key columns, <c>change</c>, and <c>columns</c>, each differing column
    /// with its value <c>before</c> and <c>after</c>, typed as query's JSON types them.
    /// </summary>
    public static void PrintChanges(IReadOnlyList<ResultColumn> key, IReadOnlyList<KeyChange> changes, bool lines, TextWriter output)
    {
        var options = new JsonWriterOptions { Indented = !lines, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        void Change(Utf8JsonWriter json, KeyChange change)
        {
            json.WriteStartObject();
            for (var i = 0; i < key.Count; i++)
            {
                json.WritePropertyName(key[i].Name);
                Value(json, key[i].Kind, change.Key[i]);
            }

            json.WriteString("change", change.Change);
            json.WriteStartObject("columns");
            foreach (var column in change.Columns)
            {
                json.WriteStartObject(column.Column.Name);
                json.WritePropertyName("before");
                Value(json, column.Column.Kind, column.Before);
                json.WritePropertyName("after");
                Value(json, column.Column.Kind, column.After);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        if (lines)
        {
            foreach (var change in changes)
            {
                output.WriteLine(Write(options, json => Change(json, change)));
            }

            return;
        }

        output.WriteLine(Write(options, json =>
        {
            json.WriteStartArray();
            foreach (var change in changes)
            {
                Change(json, change);
            }

            json.WriteEndArray();
        }));
    }

    /// <summary>One value in JSON, by its column's kind.</summary>
    private static void Value(Utf8JsonWriter json, CellKind kind, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else if (kind == CellKind.Number && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number)
                 && double.IsFinite(number))
        {
            json.WriteRawValue(value);
        }
        else if (kind == CellKind.Boolean)
        {
            json.WriteBooleanValue(value == "true");
        }
        else if (kind == CellKind.Timestamp)
        {
            json.WriteStringValue(Iso(value));
        }
        else
        {
            // Text, and the numbers JSON cannot hold (NaN, Infinity).
            json.WriteStringValue(value);
        }
    }
}
