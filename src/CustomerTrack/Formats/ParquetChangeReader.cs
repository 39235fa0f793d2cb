using System.Text.Json;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Formats;

/// <summary>
/// Reads a Parquet change file with DuckDB's own reader (an in-memory DuckDB, whatever the warehouse engine) and checks
/// every row against its table's contract, with the same rules and rejects as CSV. The file's own column types are taken
/// when they fit the definition's and converted through their text otherwise; rows are numbered from 1.
/// </summary>
internal static class ParquetChangeReader
{
    /// <summary>Reads the file's rows into <paramref name="sink"/>; with <paramref name="columnsOnly"/>, its schema alone.</summary>
    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink, bool columnsOnly = false)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "SET autoinstall_known_extensions = false; SET memory_limit = '256MB'; SET threads = 1";
            setup.ExecuteNonQuery();
        }

        using var cmd = connection.CreateCommand();

        // The path is a constant of the query (table functions take no parameters); a doubled quote is its only escape.
        var literal = $"'{path.Replace("'", "''", StringComparison.Ordinal)}'";
        DuckDBDataReader reader;
        string[] written;
        try
        {
            (cmd.CommandText, written) = Select(connection, literal);
            cmd.UseStreamingMode = true;
            reader = (DuckDBDataReader)cmd.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            return new FileReadSummary(0, 0, 0, [], $"cannot be read as Parquet: {e.Message.Split('\n')[0].Trim()}");
        }

        using (reader)
        {
            var builder = new RowBuilder(new SourceLayout(table));
            var layout = builder.Layout;
            var slots = new int[reader.FieldCount];
            var names = new string[reader.FieldCount];
            var unknown = new List<string>();
            for (var i = 0; i < slots.Length; i++)
            {
                names[i] = layout.Normalize(written.Length == slots.Length ? written[i] : reader.GetName(i));
                slots[i] = layout.SlotOf(names[i]);
                if (slots[i] == SourceLayout.Unknown)
                {
                    unknown.Add(names[i]);
                }
            }

            // Two columns for one name (DuckDB would read the second of CITY and City as City_1): which is meant is not
            // known, so every row is rejected naming it, as a CSV header naming a column twice is, and no column is added.
            var twice = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (twice is not null)
            {
                unknown.Clear();
            }

            var missingKey = twice is null ? table.Key.FirstOrDefault(k => !names.Contains(k.Name)) : null;
            if (missingKey is not null)
            {
                return new FileReadSummary(0, 0, 0, unknown, $"the file has no {missingKey.Name} column (its columns: {string.Join(", ", names)})");
            }

            if (columnsOnly)
            {
                return new FileReadSummary(0, 0, 0, unknown, null);
            }

            var cells = new object?[slots.Length];
            long rows = 0, accepted = 0, rejected = 0;
            try
            {
                while (reader.Read())
                {
                    rows++;
                    string? error = null;
                    var field = "";
                    for (var i = 0; i < cells.Length; i++)
                    {
                        cells[i] = Cell(reader, i, out var unreadable);
                        if (unreadable is not null && error is null)
                        {
                            (error, field) = (unreadable, names[i]);
                        }
                    }

                    if (twice is not null)
                    {
                        (error, field) = ($"the file names column '{twice}' twice ({string.Join(", ", written.Where(w => layout.Normalize(w) == twice))})", twice);
                    }

                    error ??= Check(cells, slots, names, builder, rows, maxFieldBytes, out field);
                    if (error is null)
                    {
                        sink.Accept(builder.Change);
                        accepted++;
                    }
                    else
                    {
                        sink.Reject(rows, field, error, Raw(names, cells));
                        rejected++;
                    }
                }
            }
            catch (DuckDBException e)
            {
                return new FileReadSummary(rows, accepted, rejected, unknown, $"cannot be read past row {rows}: {e.Message.Split('\n')[0].Trim()}");
            }

            return new FileReadSummary(rows, accepted, rejected, unknown, null);
        }
    }

    /// <summary>
    /// The query that reads the file: each column as .NET can hold it exactly. Nested values (STRUCT, LIST, MAP, UNION)
    /// are their JSON text, as NDJSON keeps nested values; TIME, INTERVAL and DECIMAL are DuckDB's text (a DECIMAL(38)
    /// has more digits than .NET's decimal). Also the file's own top-level column names, which DuckDB would make unique.
    /// </summary>
    private static (string Sql, string[] Names) Select(DuckDBConnection connection, string literal)
    {
        var source = $"read_parquet({literal})";
        var select = new List<string>();
        using (var describe = connection.CreateCommand())
        {
            describe.CommandText = $"DESCRIBE SELECT * FROM {source}";
            using var columns = describe.ExecuteReader();
            while (columns.Read())
            {
                var type = columns.GetString(1);
                var at = $"#{select.Count + 1}";
                select.Add(type.EndsWith(']') || type.StartsWith("STRUCT", StringComparison.Ordinal) || type.StartsWith("MAP", StringComparison.Ordinal)
                        || type.StartsWith("UNION", StringComparison.Ordinal) ? $"CAST(to_json({at}) AS VARCHAR)"
                    : type.StartsWith("TIME", StringComparison.Ordinal) && !type.StartsWith("TIMESTAMP", StringComparison.Ordinal)
                        || type.StartsWith("DECIMAL", StringComparison.Ordinal) || type == "INTERVAL" ? $"CAST({at} AS VARCHAR)"
                    : at);
            }
        }

        return ($"SELECT {string.Join(", ", select)} FROM {source}", TopLevelNames(connection, $"parquet_schema({literal})"));
    }

    /// <summary>The names of the file's top-level columns as written, from its schema (a tree in depth-first order).</summary>
    private static string[] TopLevelNames(DuckDBConnection connection, string schema)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT name, coalesce(num_children, 0) FROM {schema}";
        using var reader = cmd.ExecuteReader();
        var elements = new List<(string Name, long Children)>();
        while (reader.Read())
        {
            elements.Add((reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
        }

        var names = new List<string>();
        var at = 1;
        while (at < elements.Count)
        {
            names.Add(elements[at].Name);
            at = Skip(elements, at);
        }

        return [.. names];
    }

    /// <summary>The index after the subtree that starts at <paramref name="at"/>.</summary>
    private static int Skip(List<(string Name, long Children)> elements, int at)
    {
        var next = at + 1;
        for (var child = 0; child < elements[at].Children && next < elements.Count; child++)
        {
            next = Skip(elements, next);
        }

        return next;
    }

    /// <summary>One cell, or null with the reason when .NET cannot hold it (an infinite timestamp or date).</summary>
    private static object? Cell(DuckDBDataReader reader, int i, out string? unreadable)
    {
        unreadable = null;
        try
        {
            return reader.IsDBNull(i) ? null : reader.GetValue(i);
        }
        catch (Exception e) when (e is InvalidOperationException or OverflowException or ArgumentException or FormatException)
        {
            unreadable = e.Message.Contains("infinite", StringComparison.OrdinalIgnoreCase)
                ? "is infinite; a timestamp or date must be a point in time"
                : $"cannot be read: {e.Message.Split(". ")[0]}";
            return null;
        }
    }

    private static string? Check(object?[] cells, int[] slots, string[] names, RowBuilder builder, long row, int maxFieldBytes, out string field)
    {
        builder.Begin(row);
        var layout = builder.Layout;
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i] is string s && s.Length > maxFieldBytes / 4 && System.Text.Encoding.UTF8.GetByteCount(s) > maxFieldBytes)
            {
                field = names[i];
                return $"is {System.Text.Encoding.UTF8.GetByteCount(s)} bytes; a field may hold at most {maxFieldBytes} (Load:MaxFieldBytes)";
            }
        }

        // The same order as every reader: the key, the event time, the op, the attributes.
        foreach (var pass in (ReadOnlySpan<int>)[0, 1, 2, 3])
        {
            for (var i = 0; i < cells.Length; i++)
            {
                var slot = slots[i];
                var error = (pass, slot) switch
                {
                    (0, >= 0) when slot < layout.KeyCount => builder.Native(slot, cells[i]),
                    (1, SourceLayout.EventTimeSlot) => builder.EventTime(cells[i]),
                    (2, SourceLayout.OpSlot) => builder.Op(cells[i] is { } op ? Values.Text(op).AsSpan() : default),
                    (3, >= 0) when slot >= layout.KeyCount => builder.Native(slot, cells[i]),
                    _ => null,
                };
                if (error is not null)
                {
                    field = names[i];
                    return error;
                }
            }
        }

        // A key column the file has, but empty in this row (Native reports NULL keys; this covers a file without values).
        field = "";
        return null;
    }

    /// <summary>A rejected row as one JSON object of its cells' text, for the rejects table.</summary>
    private static string Raw(string[] names, object?[] cells)
    {
        var row = new Dictionary<string, string?>(names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            row[names[i]] = cells[i] is { } v ? Values.Text(v) : null;
        }

        return JsonSerializer.Serialize(row);
    }
}
