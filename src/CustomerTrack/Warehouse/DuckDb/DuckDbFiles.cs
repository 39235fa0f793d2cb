using System.Globalization;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>A column of a sample file as DuckDB's sniffer saw it: the file's own name and DuckDB's type name.</summary>
internal sealed record SniffedColumn(string Name, string DuckType);

/// <summary>What DuckDB's sniffer found in a sample file; the CSV dialect only matters for <see cref="FileFormat.Csv"/>.</summary>
internal sealed record SniffedFile(FileFormat Format, IReadOnlyList<SniffedColumn> Columns, CsvOptions Csv);

/// <summary>
/// Files read and written through an in-memory DuckDB: the sniffing behind <c>init --from</c> (DuckDB's own
/// <c>sniff_csv</c>, <c>read_json</c> and <c>read_parquet</c>, never an inference of ours) and the Parquet change files
/// that <c>generate --table</c> writes. Paths and names become SQL string literals and quoted identifiers with their
/// quotes doubled; no other text enters the SQL.
/// </summary>
internal static class DuckDbFiles
{
    /// <summary>The columns (and for CSV the dialect) DuckDB finds in <paramref name="path"/>, read as <paramref name="format"/>.</summary>
    public static SniffedFile Sniff(string path, FileFormat format) => Reading(path, format, () => SniffFile(path, format));

    /// <summary>DuckDB's error about a sample file, as one line that names the file and the format it was read as.</summary>
    private static T Reading<T>(string path, FileFormat format, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (DuckDBException e)
        {
            throw new CustomerTrackException($"{Path.GetFileName(path)} cannot be read as {format.ToString().ToLowerInvariant()}: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static SniffedFile SniffFile(string path, FileFormat format)
    {
        using var connection = Open();
        var csv = CsvOptions.Default;
        if (format == FileFormat.Csv)
        {
            using var dialect = connection.CreateCommand();
            dialect.CommandText = $"SELECT Delimiter, Quote, HasHeader FROM sniff_csv({Literal(path)})";
            using var r = dialect.ExecuteReader();
            r.Read();
            var delimiter = r.GetString(0);
            var quote = r.IsDBNull(1) ? "" : r.GetString(1);
            csv = new CsvOptions(
                delimiter.Length == 1 ? delimiter[0] : ',',

                // A file with no quoted field leaves the sniffer no quote to find; the usual one does no harm.
                quote.Length == 1 && quote[0] != '\0' && quote[0] != delimiter[0] ? quote[0] : '"',
                r.GetBoolean(2));
        }

        var columns = new List<SniffedColumn>();
        using (var describe = connection.CreateCommand())
        {
            describe.CommandText = $"DESCRIBE SELECT * FROM {Reader(path, format, csv)}";
            using var r = describe.ExecuteReader();
            while (r.Read())
            {
                columns.Add(new SniffedColumn(r.GetString(0), r.GetString(1)));
            }
        }

        return new SniffedFile(format, columns, csv);
    }

    /// <summary>Up to <paramref name="limit"/> distinct non-NULL values of one column, as text, in order.</summary>
    public static IReadOnlyList<string> DistinctValues(string path, SniffedFile file, string column, int limit) =>
        Reading(path, file.Format, () => Distinct(path, file, column, limit));

    private static List<string> Distinct(string path, SniffedFile file, string column, int limit)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var name = Quote(column);
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT DISTINCT CAST({name} AS VARCHAR) AS v FROM {Reader(path, file.Format, file.Csv)} WHERE {name} IS NOT NULL ORDER BY v LIMIT {limit}");
        using var r = command.ExecuteReader();
        var values = new List<string>();
        while (r.Read())
        {
            values.Add(r.GetString(0));
        }

        return values;
    }

    /// <summary>
    /// Writes <paramref name="rows"/> as a Parquet file at <paramref name="path"/>: an in-memory table of the given
    /// columns, filled through the appender, then <c>COPY … (FORMAT parquet)</c>. One thread, so the same rows give the
    /// same bytes.
    /// </summary>
    public static void WriteParquet(string path, IReadOnlyList<(string Name, ColumnType Type)> columns, IEnumerable<object?[]> rows)
    {
        using var connection = Open();
        Execute(connection, "SET threads = 1");
        Execute(connection, $"CREATE TABLE rows ({string.Join(", ", columns.Select(c => $"{Quote(c.Name)} {c.Type.Sql}"))})");
        using (var appender = connection.CreateAppender("rows"))
        {
            foreach (var values in rows)
            {
                var row = appender.CreateRow();
                foreach (var value in values)
                {
                    row = value switch
                    {
                        null => row.AppendNullValue(),
                        string s => row.AppendValue(s),
                        int i => row.AppendValue(i),
                        long l => row.AppendValue(l),
                        double d => row.AppendValue(d),
                        decimal m => row.AppendValue(m),
                        bool b => row.AppendValue(b),
                        DateOnly d => row.AppendValue(d),
                        DateTime t => row.AppendValue(t),
                        _ => throw new InvalidOperationException($"no Parquet value for a {value.GetType().Name}"),
                    };
                }

                row.EndRow();
            }
        }

        Execute(connection, $"COPY rows TO {Literal(path)} (FORMAT parquet)");
    }

    /// <summary><paramref name="text"/> without its accents (<c>café</c>: <c>cafe</c>), by DuckDB's <c>strip_accents</c> (init's column names).</summary>
    public static string StripAccents(string text)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT strip_accents($text)";
        command.Parameters.Add(new DuckDBParameter("text", text));
        return command.ExecuteScalar() as string ?? text;
    }

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        return connection;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Reader(string path, FileFormat format, CsvOptions csv) => format switch
    {
        FileFormat.Parquet => $"read_parquet({Literal(path)})",
        FileFormat.Ndjson => $"read_json({Literal(path)}, format = 'newline_delimited')",
        _ => $"read_csv({Literal(path)}, delim = {Literal(csv.Delimiter.ToString())}, quote = {Literal(csv.Quote.ToString())}, header = {(csv.Header ? "true" : "false")})",
    };

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Quote(string name) => '"' + name.Replace("\"", "\"\"", StringComparison.Ordinal) + '"';
}
