using System.Data.Common;
using System.Globalization;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// Writes rows read from either engine to a Parquet or CSV file with DuckDB's own writers (COPY … TO): the rows go
/// through the appender into a private in-memory database, which alone may reach the file system, so the warehouse
/// itself stays sealed. The file appears whole: it is written beside the target and then renamed over it.
/// </summary>
internal static class DuckDbFileWriter
{
    public static long Write(DbDataReader rows, IReadOnlyList<ExportColumn> columns, string path, string format, CancellationToken ct)
    {
        // ":memory:" is a new database per connection, with its own configuration (the warehouse's is locked).
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        Execute(db, "SET autoinstall_known_extensions = false");
        // A wide DECIMAL arrives as its text (TableExport reads it so) and is cast back when the file is written.
        var types = columns.Select(c => c.Wide ? "VARCHAR" : TypeOf(c)).ToArray();
        Execute(db, $"CREATE TABLE export ({string.Join(", ", columns.Select((c, i) => $"{Identifiers.Quote(c.Name)} {types[i]}"))})");
        long count = 0;
        using (var appender = db.CreateAppender("export"))
        {
            while (rows.Read())
            {
                ct.ThrowIfCancellationRequested();
                var row = appender.CreateRow();
                for (var i = 0; i < types.Length; i++)
                {
                    row = Append(row, rows.IsDBNull(i) ? null : rows.GetValue(i), types[i]);
                }

                row.EndRow();
                count++;
            }
        }

        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = format == "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
            var select = string.Join(", ", columns.Select(c => c.Wide ? $"CAST({Identifiers.Quote(c.Name)} AS {TypeOf(c)}) AS {Identifiers.Quote(c.Name)}" : Identifiers.Quote(c.Name)));
            Execute(db, $"COPY (SELECT {select} FROM export) TO '{temp.Replace("'", "''", StringComparison.Ordinal)}' ({options})");
            File.Move(temp, path, overwrite: true);
        }
        catch (DuckDBException e)
        {
            throw new CustomerTrackException($"cannot write {path}: {DuckDbWarehouse.FirstLine(e.Message)}", e);
        }
        finally
        {
            File.Delete(temp);
        }

        return count;
    }

    /// <summary>The DuckDB type for a column as either engine's information_schema names it; anything else is text.</summary>
    internal static string TypeOf(ExportColumn column)
    {
        var type = column.DataType.ToUpperInvariant();
        return type switch
        {
            _ when type.StartsWith("DECIMAL", StringComparison.Ordinal) || type == "NUMERIC" =>
                column.Precision is { } p and <= 38 ? $"DECIMAL({p},{column.Scale ?? 0})" : "DOUBLE",
            "BIGINT" or "INTEGER" or "SMALLINT" or "BOOLEAN" or "DATE" or "DOUBLE" or "FLOAT" or "TIMESTAMP" => type,
            "DOUBLE PRECISION" => "DOUBLE",
            "REAL" => "FLOAT",
            "TIMESTAMP WITHOUT TIME ZONE" or "TIMESTAMP WITH TIME ZONE" or "TIMESTAMPTZ" => "TIMESTAMP",
            _ => "VARCHAR",
        };
    }

    private static IDuckDBAppenderRow Append(IDuckDBAppenderRow row, object? value, string type) => value switch
    {
        null => row.AppendNullValue(),
        _ => type switch
        {
            "BIGINT" => row.AppendValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            "INTEGER" => row.AppendValue(Convert.ToInt32(value, CultureInfo.InvariantCulture)),
            "SMALLINT" => row.AppendValue(Convert.ToInt16(value, CultureInfo.InvariantCulture)),
            "BOOLEAN" => row.AppendValue(Convert.ToBoolean(value, CultureInfo.InvariantCulture)),
            "DOUBLE" => row.AppendValue(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            "FLOAT" => row.AppendValue(Convert.ToSingle(value, CultureInfo.InvariantCulture)),
            "DATE" => row.AppendValue(value is DateTime d ? DateOnly.FromDateTime(d) : (DateOnly)value),
            "TIMESTAMP" => row.AppendValue(value is DateTimeOffset o ? o.UtcDateTime : (DateTime)value),
            _ when type.StartsWith("DECIMAL", StringComparison.Ordinal) => row.AppendValue(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
            _ => row.AppendValue(value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture)),
        },
    };

    private static void Execute(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
