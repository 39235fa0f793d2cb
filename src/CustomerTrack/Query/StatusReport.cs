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
    long Keys,
    long Versions,
    long TaskRuns,
    long TiesTotal,
    string? LastTaskRunAt,
    long? LastTaskRunRows,
    double? LastTaskRunMs,
    IReadOnlyList<TableStatus> Tables,
    IReadOnlyList<UnreadableFile> LandingUnreadable)
{
    /// <summary>Files skipped because the same name and content was loaded already (LOAD_SKIPPED; SKIPPED before).</summary>
    public long FilesSkipped { get; init; }

    /// <summary>
    /// The most recent files (at most <see cref="DroppedShown"/>) with columns their table neither defines nor adds, and
    /// those columns: what the load dropped, said by <c>status</c>.
    /// </summary>
    public IReadOnlyList<DroppedColumns> Dropped { get; init; } = [];

    /// <summary>How many files with dropped columns <c>status</c> names (<c>status --files</c> shows every file's).</summary>
    public const int DroppedShown = 10;

    /// <summary>The files whose columns were dropped, newest first.</summary>
    internal static readonly string DroppedSql = $"""
        SELECT file_key, table_name, unknown_columns FROM load_history
        WHERE unknown_columns IS NOT NULL AND unknown_columns <> ''
        ORDER BY loaded_at DESC, file_key DESC LIMIT {DroppedShown}
        """;

    /// <summary>
    /// Totals and one row per table in ONE statement, so that every count is read from the same snapshot of the warehouse
    /// (two statements could straddle a commit: 126 files loaded overall, 127 for the only table). Each row carries the
    /// totals (<c>all_*</c>) and one table's counts: its ledger, stream, current and history rows, files and task runs.
    /// </summary>
    /// <remarks>
    /// With <paramref name="only"/> (<c>status --table</c>), the totals count those tables' files and task runs only.
    /// The names are parameters, added to <paramref name="args"/>.
    /// </remarks>
    internal static string Sql(IReadOnlyList<TableDefinition> tables, QueryArgs args, IReadOnlyList<string>? only = null)
    {
        // Which rows of load_history and task_run the totals count: every table's, or those of the tables chosen.
        var of = only is { Count: > 0 } ? $"table_name = ANY({args.TextList(only, "only")})" : "true";
        string Name(TableDefinition t) => args.Text(t.Name, "table");
        string Stream(TableDefinition t) => args.Text(t.StreamName, "stream");
        return $"""
            SELECT t.*, a.* FROM (
            {string.Join("\nUNION ALL\n", tables.Select((t, i) => $"""
            SELECT {i} AS ord, {Name(t)} AS table_name,
                (SELECT count(*) FROM {Identifiers.Quote(t.RawTable)}) AS ledger_rows,
                (SELECT offset_seq FROM stream_offset WHERE stream_name = {Stream(t)}) AS stream_offset,
                (SELECT count(*) FROM {Identifiers.Quote(t.RawTable)} WHERE _seq > (SELECT offset_seq FROM stream_offset WHERE stream_name = {Stream(t)})) AS stream_lag,
                (SELECT count(*) FROM {Identifiers.Quote(t.CurrentTable)}) AS current_rows,
                (SELECT count(*) FROM {Identifiers.Quote(t.HistoryTable)}) AS versions,
                (SELECT count(*) FROM load_history WHERE table_name = {Name(t)} AND {SkippedStatuses.NotSkipped}) AS files_loaded,
                (SELECT count(*) FROM load_history WHERE table_name = {Name(t)} AND status = 'LOAD_FAILED') AS files_failed,
                (SELECT coalesce(sum(rows_rejected), 0) FROM load_history WHERE table_name = {Name(t)}) AS rows_rejected,
                (SELECT count(*) FROM task_run WHERE table_name = {Name(t)}) AS task_runs
            """))}) AS t
            CROSS JOIN (SELECT
                (SELECT count(*) FROM load_history WHERE {of} AND {SkippedStatuses.NotSkipped}) AS all_files_loaded,
                (SELECT count(*) FROM load_history WHERE {of} AND NOT ({SkippedStatuses.NotSkipped})) AS all_files_skipped,
                (SELECT count(*) FROM load_history WHERE {of} AND status = 'LOAD_FAILED') AS all_files_failed,
                (SELECT count(*) FROM load_history WHERE {of}) AS all_files_known,
                (SELECT coalesce(sum(rows_loaded), 0) FROM load_history WHERE {of}) AS all_rows_loaded,
                (SELECT coalesce(sum(rows_rejected), 0) FROM load_history WHERE {of}) AS all_rows_rejected,
                (SELECT count(*) FROM task_run WHERE {of}) AS all_task_runs,
                (SELECT coalesce(sum(ties), 0) FROM task_run WHERE {of}) AS all_ties,
                (SELECT max(finished_at) FROM task_run WHERE {of}) AS all_last_run_at,
                (SELECT rows_read FROM task_run WHERE {of} ORDER BY run_id DESC LIMIT 1) AS all_last_run_rows,
                (SELECT duration_ms FROM task_run WHERE {of} ORDER BY run_id DESC LIMIT 1) AS all_last_run_ms) AS a
            ORDER BY t.ord
            """;
    }

    /// <summary>The report from the answer to <see cref="Sql"/> and the dropped columns, and the counts of landing/ and the lake.</summary>
    internal static StatusReport From(Workspace workspace, string source, int landing, int lakeObjects, QueryResult t, QueryResult? dropped = null)
    {
        long L(string c) => t.Long(0, "all_" + c);
        var lastMs = t.Text(0, "all_last_run_ms");
        var tables = Enumerable.Range(0, t.Rows.Count).Select(i => new TableStatus(
            t.Text(i, "table_name")!, t.Long(i, "ledger_rows"), t.Long(i, "stream_offset"), t.Long(i, "stream_lag"),
            t.Long(i, "current_rows"), t.Long(i, "versions"), t.Long(i, "files_loaded"), t.Long(i, "files_failed"),
            t.Long(i, "rows_rejected"), t.Long(i, "task_runs"))).ToList();
        var main = tables.FirstOrDefault(x => x.Table == workspace.Settings.DefaultTable?.Name) ?? tables[0];
        return new StatusReport(
            source, landing, lakeObjects, L("files_loaded"), L("files_failed"),
            Math.Max(0, lakeObjects - L("files_known")), L("rows_loaded"), L("rows_rejected"), tables.Sum(x => x.LedgerRows),
            main.StreamOffset, tables.Sum(x => x.StreamLag), tables.Sum(x => x.CurrentRows), tables.Sum(x => x.Versions), L("task_runs"), L("ties"),
            t.Text(0, "all_last_run_at"), t.Text(0, "all_last_run_rows") is null ? null : L("last_run_rows"),
            lastMs is null ? null : double.Parse(lastMs, System.Globalization.CultureInfo.InvariantCulture), tables,
            UnreadableFiles.Read(workspace))
        {
            FilesSkipped = L("files_skipped"),
            Dropped = dropped is null ? [] : [.. Enumerable.Range(0, dropped.Rows.Count).Select(i => new DroppedColumns(
                Lake.LakeKey.Parse(dropped.Text(i, "file_key")!).FileName, dropped.Text(i, "file_key")!, dropped.Text(i, "table_name") ?? "",
                dropped.Text(i, "unknown_columns")!.Split(',')))],
        };
    }

    /// <summary>The report; with <paramref name="tables"/>, of those tables only (their files, ledgers, task runs).</summary>
    public static async Task<StatusReport> ReadAsync(Workspace workspace, WarehouseReader reader, CancellationToken ct = default,
        IReadOnlyList<string>? tables = null)
    {
        // Counted as ingest lists them: sub-folders (landing/orders/2026/01/) included.
        tables ??= [];
        var landing = Directory.Exists(workspace.Landing)
            ? IngestStage.LandingFiles(workspace.Landing).Count(f => IngestStage.IsCandidateName(f.File.Name))
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
        var args = new QueryArgs();
        return From(workspace, reader.Source, landing, lakeObjects, await reader.QueryAsync(Sql(definitions, args, tables), args, ct),
            await reader.QueryAsync(DroppedSql, ct));
    }
}

/// <summary>A file whose columns the load dropped: its name and key, its table, and the columns.</summary>
internal sealed record DroppedColumns(string File, string Key, string Table, IReadOnlyList<string> Columns);
