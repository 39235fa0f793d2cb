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
    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink)
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
        cmd.CommandText = $"SELECT * FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')";
        cmd.UseStreamingMode = true;
        DuckDBDataReader reader;
        try
        {
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
                names[i] = layout.Normalize(reader.GetName(i));
                slots[i] = layout.SlotOf(names[i]);
                if (slots[i] == SourceLayout.Unknown)
                {
                    unknown.Add(names[i]);
                }
            }

            var missingKey = table.Key.FirstOrDefault(k => !names.Contains(k.Name));
            if (missingKey is not null)
            {
                return new FileReadSummary(0, 0, 0, unknown, $"the file has no {missingKey.Name} column (its columns: {string.Join(", ", names)})");
            }

            var cells = new object?[slots.Length];
            long rows = 0, accepted = 0, rejected = 0;
            try
            {
                while (reader.Read())
                {
                    rows++;
                    for (var i = 0; i < cells.Length; i++)
                    {
                        cells[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    }

                    var error = Check(cells, slots, names, builder, rows, maxFieldBytes, out var field);
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
