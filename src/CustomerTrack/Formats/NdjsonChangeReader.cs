using System.Text;
using System.Text.Json;
using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// Reads an NDJSON change file (one JSON object a line, System.Text.Json) and checks every row against its table's
/// contract, with the same rules and rejects as CSV: strings are read as CSV fields are, numbers and booleans are taken
/// as they are when they fit the column. A line that is not a JSON object is rejected with its line number.
/// </summary>
internal static class NdjsonChangeReader
{
    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink)
    {
        var builder = new RowBuilder(new SourceLayout(table));
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        long rows = 0, accepted = 0, rejected = 0, lineNumber = 0;
        using var lines = new Lines(new FileChars(path, latin1: false), maxFieldBytes);
        while (lines.Next())
        {
            lineNumber++;
            var line = lines.Text;
            if (string.IsNullOrWhiteSpace(line) && !lines.Cut)
            {
                continue;
            }

            rows++;
            var field = "(row)";
            var error = lines.Invalid ? "is not valid UTF-8"
                : lines.Bytes > maxFieldBytes ? $"is {lines.Bytes} bytes; a row may hold at most {maxFieldBytes} (Load:MaxFieldBytes)"
                : Checked(line, lineNumber, builder, unknown, out field);
            if (error is null)
            {
                sink.Accept(builder.Change);
                accepted++;
            }
            else
            {
                sink.Reject(lineNumber, field, error, line);
                rejected++;
            }
        }

        return new FileReadSummary(rows, accepted, rejected, [.. unknown], rows == 0 ? "the file is empty (no JSON object)" : null);
    }

    /// <summary>
    /// A file's lines (ended by LF, CRLF or CR), each kept up to <c>limit</c> characters and counted in UTF-8 bytes in
    /// full, with whether it held bytes that are not UTF-8 (a U+FFFD written as UTF-8 is a character like any other).
    /// </summary>
    private sealed class Lines(FileChars chars, int limit) : IDisposable
    {
        private readonly StringBuilder _text = new();
        private int _pending = -2;

        public string Text { get; private set; } = "";
        public long Bytes { get; private set; }
        public bool Invalid { get; private set; }

        /// <summary>Whether the line went past the limit and <see cref="Text"/> holds only its start.</summary>
        public bool Cut { get; private set; }

        public bool Next()
        {
            _text.Clear();
            Bytes = 0;
            Invalid = Cut = false;
            var c = Take(out var bad);
            if (c == FileChars.End)
            {
                return false;
            }

            while (c != FileChars.End && c != '\n' && c != '\r')
            {
                Invalid |= bad;
                Bytes += FileChars.Utf8Bytes(c);
                if (_text.Length < limit)
                {
                    _text.Append((char)c);
                }
                else
                {
                    Cut = true;
                }

                c = Take(out bad);
            }

            if (c == '\r')
            {
                _pending = chars.Read(out _);
                if (_pending == '\n')
                {
                    _pending = -2;
                }
            }

            Text = _text.ToString();
            return true;
        }

        private int Take(out bool invalid)
        {
            if (_pending != -2)
            {
                var p = _pending;
                _pending = -2;
                invalid = false;
                return p;
            }

            return chars.Read(out invalid);
        }

        public void Dispose() => chars.Dispose();
    }

    /// <summary>
    /// <see cref="Check"/>, with a string that is not text (a lone UTF-16 surrogate escape such as <c>\ud800</c>, which
    /// System.Text.Json parses but will not turn into a string) rejected as its row's problem, not the file's.
    /// </summary>
    private static string? Checked(string line, long lineNumber, RowBuilder builder, SortedSet<string> unknown, out string field)
    {
        field = "(row)";
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            return Check(line, lineNumber, builder, unknown, names, out field);
        }
        catch (InvalidOperationException)
        {
            return "holds a lone UTF-16 surrogate (an escape such as \\ud800 without its pair), which is no text";
        }
    }

    private static string? Check(string line, long lineNumber, RowBuilder builder, SortedSet<string> unknown, HashSet<string> names, out string field)
    {
        field = "(row)";

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return $"is not JSON: {e.Message.Split(". ")[0]}";
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object";
            }

            var layout = builder.Layout;
            var cells = new JsonElement?[layout.Types.Length];
            JsonElement? eventTime = null, op = null;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                var name = layout.Normalize(property.Name);

                // Two names for one column (also differing only in case): which value is meant is not known.
                if (!names.Add(name))
                {
                    field = name;
                    return $"the object names '{name}' twice";
                }

                var slot = layout.SlotOf(name);
                switch (slot)
                {
                    case SourceLayout.Unknown:
                        unknown.Add(name);
                        break;
                    case SourceLayout.EventTimeSlot:
                        eventTime = property.Value;
                        break;
                    case SourceLayout.OpSlot:
                        op = property.Value;
                        break;
                    default:
                        cells[slot] = property.Value;
                        break;
                }
            }

            builder.Begin(lineNumber);
            for (var slot = 0; slot < layout.KeyCount; slot++)
            {
                field = layout.Names[slot];
                if (Set(builder, slot, cells[slot]) is { } error)
                {
                    return error;
                }
            }

            if (eventTime is { } e)
            {
                field = layout.Table.EventTime!;
                var error = e.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => builder.EventTime(e.GetString().AsSpan()),
                    JsonValueKind.Number when layout.Table.EventTimeFormat.IsEpoch => builder.EventTime(e.GetRawText().AsSpan()),
                    _ => $"is a JSON {e.ValueKind.ToString().ToLowerInvariant()}; the event time is {(layout.Table.EventTimeFormat == Contract.EventTimeFormat.Iso8601 ? "an ISO 8601 string" : layout.Table.EventTimeFormat.Expected)}",
                };
                if (error is not null)
                {
                    return error;
                }
            }

            if (op is { } o)
            {
                field = layout.Table.Op!.Column;
                var error = o.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => builder.Op(o.GetString().AsSpan()),
                    _ => builder.Op(o.GetRawText().AsSpan()),
                };
                if (error is not null)
                {
                    return error;
                }
            }

            for (var slot = layout.KeyCount; slot < layout.Types.Length; slot++)
            {
                field = layout.Names[slot];
                if (Set(builder, slot, cells[slot]) is { } error)
                {
                    return error;
                }
            }
        }

        field = "";
        return null;
    }

    private static string? Set(RowBuilder builder, int slot, JsonElement? cell)
    {
        var type = builder.Layout.Types[slot];
        if (cell is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return builder.Native(slot, null);
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => builder.Text(slot, value.GetString().AsSpan()),
            JsonValueKind.True => builder.Native(slot, true),
            JsonValueKind.False => builder.Native(slot, false),

            // A number keeps its written digits: a decimal column must not go through a double.
            JsonValueKind.Number => builder.Text(slot, value.GetRawText().AsSpan()),
            _ when type.Kind == ColumnKind.String => builder.Text(slot, value.GetRawText().AsSpan()),
            _ => $"is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a {type}",
        };
    }
}
