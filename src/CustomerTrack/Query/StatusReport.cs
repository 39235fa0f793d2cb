using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Pipeline;

namespace CustomerTrack.Query;

/// <summary>Counts per stage, what is pending, the stream's lag and the last task run.</summary>
public sealed record StatusReport(
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
    double? LastTaskRunMs)
{
    internal const string Sql = """
        SELECT
            (SELECT count(*) FROM load_history WHERE status <> 'SKIPPED') AS files_loaded,
            (SELECT count(*) FROM load_history WHERE status = 'LOAD_FAILED') AS files_failed,
            (SELECT count(*) FROM load_history) AS files_known,
            (SELECT coalesce(sum(rows_loaded), 0) FROM load_history) AS rows_loaded,
            (SELECT coalesce(sum(rows_rejected), 0) FROM load_history) AS rows_rejected,
            (SELECT count(*) FROM customer_raw) AS ledger_rows,
            (SELECT coalesce(max(_seq), 0) FROM customer_raw) AS max_seq,
            (SELECT offset_seq FROM stream_offset WHERE stream_name = 'customer_raw_stream') AS stream_offset,
            (SELECT count(*) FROM customer) AS customers,
            (SELECT count(*) FROM customer_history) AS versions,
            (SELECT count(*) FROM task_run) AS task_runs,
            (SELECT coalesce(sum(ties), 0) FROM task_run) AS ties,
            (SELECT max(finished_at) FROM task_run) AS last_run_at,
            (SELECT rows_read FROM task_run ORDER BY run_id DESC LIMIT 1) AS last_run_rows,
            (SELECT duration_ms FROM task_run ORDER BY run_id DESC LIMIT 1) AS last_run_ms
        """;

    /// <summary>
    /// Per file: what it held, what loaded, what was rejected and why (reasons with their quoted values masked, so that
    /// alike rejections count together). rows_in_file = rows_loaded + rows_rejected for every file. SQL both engines
    /// take: a named subquery, GROUP BY by position (PostgreSQL's GROUP BY reason would mean the column, not the alias).
    /// </summary>
    public const string FilesSql = """
        SELECT l.file_key, l.status, l.rows_in_file, l.rows_loaded, l.rows_rejected,
               (SELECT string_agg(field || ': ' || reason || ' (' || n || ')', '; ' ORDER BY n DESC, field, reason)
                FROM (SELECT field, regexp_replace(reason, '''[^'']*''', '''…''', 'g') AS reason, count(*) AS n
                      FROM load_rejects j WHERE j.file_key = l.file_key GROUP BY 1, 2) AS r) AS reject_reasons,
               l.error
        FROM load_history l
        ORDER BY l.loaded_at, l.file_key
        """;

    /// <summary>The report from the answer to <see cref="Sql"/> and the counts of landing/ and the lake.</summary>
    internal static StatusReport From(string source, int landing, int lakeObjects, QueryResult r)
    {
        long L(string c) => r.Long(0, c);
        var lastMs = r.Text(0, "last_run_ms");
        return new StatusReport(
            source, landing, lakeObjects, L("files_loaded"), L("files_failed"),
            Math.Max(0, lakeObjects - L("files_known")), L("rows_loaded"), L("rows_rejected"), L("ledger_rows"),
            L("stream_offset"), L("max_seq") - L("stream_offset"), L("customers"), L("versions"), L("task_runs"), L("ties"),
            r.Text(0, "last_run_at"), r.Text(0, "last_run_rows") is null ? null : L("last_run_rows"),
            lastMs is null ? null : double.Parse(lastMs, System.Globalization.CultureInfo.InvariantCulture));
    }

    public static async Task<StatusReport> ReadAsync(Workspace workspace, WarehouseReader reader, CancellationToken ct = default)
    {
        var landing = Directory.Exists(workspace.Landing)
            ? Directory.EnumerateFiles(workspace.Landing).Count(f => IngestStage.IsCandidateName(Path.GetFileName(f)))
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

        return From(reader.Source, landing, lakeObjects, await reader.QueryAsync(Sql, ct));
    }
}
