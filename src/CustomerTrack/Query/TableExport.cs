using System.Globalization;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>What <c>export</c> asks for: a warehouse table (optionally as it stood at a moment) written to a file.</summary>
/// <param name="Table">A table of the warehouse, as the catalog names it.</param>
/// <param name="Path">The absolute path of the file to write; its extension (.parquet or .csv) picks the format.</param>
/// <param name="AsOf">For a history table: only the versions valid at this UTC moment (the rows <c>as-of</c> reads).</param>
/// <param name="KnownAt">For a defined table's history: the history as known at this UTC moment (docs/semantics.md, rule 17).</param>
public sealed record ExportRequest(string Table, string Path, DateTime? AsOf = null, DateTime? KnownAt = null);

/// <summary>What an export wrote.</summary>
public sealed record ExportResult(string Table, string Path, string Format, long Rows);

/// <summary>
/// Writes one warehouse table to a Parquet or CSV file. This is a dedicated operation rather than SQL a reader sends:
/// the owner's DuckDB is closed to the file system (<c>enable_external_access = false</c>), so only a table name the
/// catalog knows is read, and the file is written by a separate in-memory DuckDB whose only input is those rows.
/// </summary>
internal static class TableExport
{
    /// <summary>The file formats export writes, by the target's extension.</summary>
    public static string FormatOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" => "parquet",
        ".csv" => "csv",
        var other => throw new CustomerTrackException(
            $"--to '{System.IO.Path.GetFileName(path)}': export writes .parquet or .csv files, not '{(other.Length == 0 ? "no extension" : other)}'"),
    };

    public static ExportResult Run(IWarehouse warehouse, ExportRequest request, CancellationToken ct)
    {
        var format = FormatOf(request.Path);
        if (!System.IO.Path.IsPathFullyQualified(request.Path))
        {
            throw new CustomerTrackException($"export target '{request.Path}' must be an absolute path");
        }

        var folder = System.IO.Path.GetDirectoryName(request.Path)!;
        if (!Directory.Exists(folder))
        {
            throw new CustomerTrackException($"cannot write {request.Path}: the folder {folder} does not exist");
        }

        var name = CatalogName(warehouse, request.Table);
        var columns = warehouse.Query("""
            SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $table ORDER BY ordinal_position
            """, [QueryParameter.Text("table", name)], ct);
        var exported = columns.Rows.Select(r => new ExportColumn(r[0]!, r[1]!, Int(r[2]), Int(r[3]))).ToArray();
        var where = "";
        var args = new QueryArgs();
        if (request.AsOf is { } at)
        {
            var have = exported.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            if (!have.IsSupersetOf(["start_time", "end_time", "is_deleted"]))
            {
                throw new CustomerTrackException($"--as-of takes a history table (one with start_time, end_time and is_deleted, as every table's T_history has); {name} is not one");
            }

            var t = args.Timestamp(at, "as_of");
            where = $" WHERE start_time <= {t} AND {t} < end_time AND NOT is_deleted";
        }

        var from = Identifiers.Quote(name);
        var with = "";
        if (request.KnownAt is { } known)
        {
            // The definition as the warehouse holds it (with the columns files added), so every exported column is computed.
            var table = warehouse.Tables.FirstOrDefault(t => t.HistoryTable == name)
                ?? throw new CustomerTrackException($"--known-at takes a defined table's history table ({string.Join(", ", warehouse.Tables.Select(t => t.HistoryTable))}); {name} is not one");
            with = KnownAt.With(table, known, null, args);
            from = KnownAt.History;
        }

        var order = exported.Any(c => c.Name == "start_time") ? " ORDER BY 1, start_time" : " ORDER BY 1";
        var sql = $"{with}SELECT {string.Join(", ", exported.Select(c => c.Wide ? $"CAST({Identifiers.Quote(c.Name)} AS VARCHAR) AS {Identifiers.Quote(c.Name)}" : Identifiers.Quote(c.Name)))} FROM {from}{where}{order}";
        var rows = warehouse.Export(sql, args, exported, request.Path, format, ct);
        return new ExportResult(name, request.Path, format, rows);
    }

    /// <summary>
    /// The table as the catalog names it, or an error listing the tables there are (not the task's keyed state tables,
    /// <c>_&lt;t&gt;_state</c>, which are the pipeline's own, though export takes them by name).
    /// </summary>
    private static string CatalogName(IWarehouse warehouse, string table)
    {
        var names = warehouse.Query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name
            """).Rows.Select(r => r[0]!).ToArray();
        return names.FirstOrDefault(n => n == table)
            ?? names.FirstOrDefault(n => string.Equals(n, table, StringComparison.OrdinalIgnoreCase))
            ?? throw new CustomerTrackException(
                $"no table '{table}' in the warehouse; the tables are {string.Join(", ", names.Where(n => !n.StartsWith('_')))}");
    }

    private static int? Int(string? text) => text is null ? null : int.Parse(text, CultureInfo.InvariantCulture);
}
