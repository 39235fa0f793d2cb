using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>One table's counts: its ledger, its stream's offset and lag, its current and history rows, files, task runs.</summary>
internal sealed record TableStatus(string Table, long LedgerRows, long StreamOffset, long StreamLag, long CurrentRows, long Versions,
    long FilesLoaded, long FilesFailed, long RowsRejected, long TaskRuns);

/// <summary>
/// Counts per stage, what is pending, the stream's lag and the last task run: totals over every table (the stream offset
/// is the default table's), and each table's own in <see cref="Tables"/>.
/// </summary>
internal sealed record StatusReport(
    string Source,
    int LandingPending,
    int LakeObjects,
    long FilesLoaded,
    long FilesFailed,
    long LakePending,
    long RowsLoaded,
    long RowsRejected,
    long LedgerRows,
    long StreamOffset,
    long StreamLag,
    long Customers,
    long Versions,
    long TaskRuns,
    long TiesTotal,
    string? LastTaskRunAt,
    long? LastTaskRunRows,
    double? LastTaskRunMs,
    IReadOnlyList<TableStatus> Tables,
    IReadOnlyList<UnreadableFile> LandingUnreadable)
{
    /// <summary>The current rows of every table: keys, whatever the table holds (<see cref="Customers"/> is its older name, kept).</summary>
    public long Keys => Customers;

    internal const string Sql = """
        SELECT
            (SELECT count(*) FROM load_history WHERE status <> 'SKIPPED') AS files_loaded,
            (SELECT count(*) FROM load_history WHERE status = 'LOAD_FAILED') AS files_failed,
            (SELECT count(*) FROM load_history) AS files_known,
            (SELECT coalesce(sum(rows_loaded), 0) FROM load_history) AS rows_loaded,
            (SELECT coalesce(sum(rows_rejected), 0) FROM load_history) AS rows_rejected,
            (SELECT count(*) FROM task_run) AS task_runs,
            (SELECT coalesce(sum(ties), 0) FROM task_run) AS ties,
            (SELECT max(finished_at) FROM task_run) AS last_run_at,
            (SELECT rows_read FROM task_run ORDER BY run_id DESC LIMIT 1) AS last_run_rows,
            (SELECT duration_ms FROM task_run ORDER BY run_id DESC LIMIT 1) AS last_run_ms
        """;

    /// <summary><see cref="Sql"/> over the files and task runs of <paramref name="tables"/> only (all when empty).</summary>
    internal static string SqlFor(IReadOnlyList<string> tables)
    {
        if (tables.Count == 0)
        {
            return Sql;
        }

        var only = $"table_name IN ({string.Join(", ", tables.Select(Dashboard.SqlLiteral.Text))})";
        return Sql.Replace("FROM load_history WHERE ", $"FROM load_history WHERE {only} AND ", StringComparison.Ordinal)
            .Replace("FROM load_history)", $"FROM load_history WHERE {only})", StringComparison.Ordinal)
            .Replace("FROM task_run)", $"FROM task_run WHERE {only})", StringComparison.Ordinal)
            .Replace("FROM task_run ORDER BY", $"FROM task_run WHERE {only} ORDER BY", StringComparison.Ordinal);
    }

    /// <summary>One row per table: its ledger, stream, current and history rows, files and task runs.</summary>
    internal static string TablesSql(IReadOnlyList<TableDefinition> tables) => string.Join("\nUNION ALL\n", tables.Select((t, i) => $"""
        SELECT {i} AS ord, '{t.Name}' AS table_name,
            (SELECT count(*) FROM {Identifiers.Quote(t.RawTable)}) AS ledger_rows,
            (SELECT offset_seq FROM stream_offset WHERE stream_name = '{t.StreamName}') AS stream_offset,
            (SELECT count(*) FROM {Identifiers.Quote(t.RawTable)} WHERE _seq > (SELECT offset_seq FROM stream_offset WHERE stream_name = '{t.StreamName}')) AS stream_lag,
            (SELECT count(*) FROM {Identifiers.Quote(t.CurrentTable)}) AS current_rows,
            (SELECT count(*) FROM {Identifiers.Quote(t.HistoryTable)}) AS versions,
            (SELECT count(*) FROM load_history WHERE table_name = '{t.Name}' AND status <> 'SKIPPED') AS files_loaded,
            (SELECT count(*) FROM load_history WHERE table_name = '{t.Name}' AND status = 'LOAD_FAILED') AS files_failed,
            (SELECT coalesce(sum(rows_rejected), 0) FROM load_history WHERE table_name = '{t.Name}') AS rows_rejected,
            (SELECT count(*) FROM task_run WHERE table_name = '{t.Name}') AS task_runs
        """)) + "\nORDER BY ord";

    /// <summary>The report from the answers to <see cref="Sql"/> and <see cref="TablesSql"/>, and the counts of landing/ and the lake.</summary>
    internal static StatusReport From(Workspace workspace, string source, int landing, int lakeObjects, QueryResult r, QueryResult t)
    {
        long L(string c) => r.Long(0, c);
        var lastMs = r.Text(0, "last_run_ms");
        var tables = Enumerable.Range(0, t.Rows.Count).Select(i => new TableStatus(
            t.Text(i, "table_name")!, t.Long(i, "ledger_rows"), t.Long(i, "stream_offset"), t.Long(i, "stream_lag"),
            t.Long(i, "current_rows"), t.Long(i, "versions"), t.Long(i, "files_loaded"), t.Long(i, "files_failed"),
            t.Long(i, "rows_rejected"), t.Long(i, "task_runs"))).ToList();
        var main = tables.FirstOrDefault(x => x.Table == workspace.Settings.DefaultTable?.Name) ?? tables[0];
        return new StatusReport(
            source, landing, lakeObjects, L("files_loaded"), L("files_failed"),
            Math.Max(0, lakeObjects - L("files_known")), L("rows_loaded"), L("rows_rejected"), tables.Sum(x => x.LedgerRows),
            main.StreamOffset, tables.Sum(x => x.StreamLag), tables.Sum(x => x.CurrentRows), tables.Sum(x => x.Versions), L("task_runs"), L("ties"),
            r.Text(0, "last_run_at"), r.Text(0, "last_run_rows") is null ? null : L("last_run_rows"),
            lastMs is null ? null : double.Parse(lastMs, System.Globalization.CultureInfo.InvariantCulture), tables,
            UnreadableFiles.Read(workspace));
    }

    /// <summary>The report; with <paramref name="tables"/>, of those tables only (their files, ledgers, task runs).</summary>
    public static async Task<StatusReport> ReadAsync(Workspace workspace, WarehouseReader reader, CancellationToken ct = default,
        IReadOnlyList<string>? tables = null)
    {
        tables ??= [];
        var landing = Directory.Exists(workspace.Landing)
            ? Directory.EnumerateFiles(workspace.Landing, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 })
                .Count(f => IngestStage.IsCandidateName(Path.GetFileName(f)))
            : 0;
        var lake = Lakes.Open(workspace, TimeProvider.System);
        int lakeObjects;
        try
        {
            lakeObjects = (await lake.ListAsync(ct)).Count;
        }
        finally
        {
            (lake as IDisposable)?.Dispose();
        }

        var definitions = workspace.Settings.Definitions.Where(t => tables.Count == 0 || tables.Contains(t.Name)).ToList();
        return From(workspace, reader.Source, landing, lakeObjects, await reader.QueryAsync(SqlFor(tables), ct),
            await reader.QueryAsync(TablesSql(definitions), ct));
    }
}
