using System.Text;
using System.Text.Json;
using CustomerTrack.Tables;

namespace CustomerTrack.Load;

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
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: false));
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            rows++;
            var error = Check(line, lineNumber, builder, maxFieldBytes, unknown, out var field);
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

    private static string? Check(string line, long lineNumber, RowBuilder builder, int maxFieldBytes, SortedSet<string> unknown, out string field)
    {
        field = "(row)";
        if (line.Contains('\uFFFD'))
        {
            return "is not valid UTF-8";
        }

        if (line.Length > maxFieldBytes / 4 && Encoding.UTF8.GetByteCount(line) > maxFieldBytes)
        {
            return $"is {Encoding.UTF8.GetByteCount(line)} bytes; a row may hold at most {maxFieldBytes} (Load:MaxFieldBytes)";
        }

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
                        if (cells[slot] is not null)
                        {
                            field = name;
                            return $"the object names '{name}' twice";
                        }

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
                    _ => $"is a JSON {e.ValueKind.ToString().ToLowerInvariant()}; the event time is an ISO 8601 string",
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
