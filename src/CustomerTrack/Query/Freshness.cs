namespace CustomerTrack.Query;

/// <summary>
/// Per file, the time from landing (the file's modification time as ingest found it) until its rows were
/// visible in both SCD tables (the end of the first task run that covered its last ledger row). SQL both engines take
/// (no epoch_ms or quantile_cont, a named subquery): the demo and the bench read it on either.
/// </summary>
internal static class Freshness
{
    /// <summary>Every file, any table: <see cref="PerFile"/> without a bound.</summary>
    public static readonly string PerFileSql = PerFile("", "");

    /// <summary>
    /// Per file with rows (<c>file_key</c>, <c>landed_at</c>, <c>visible_at</c>, <c>freshness_ms</c>): when the first
    /// stream task run of its table that covered its last ledger row finished. Files and runs are read once each, in one
    /// sequence per table, and each file takes the earliest end among the runs at or after it: a running minimum from the
    /// top of the sequence down (a run before the file it ends on, at the same number), which both engines compute in one
    /// pass (PostgreSQL recomputes a frame that starts at the current row for every row). The same answer as joining
    /// every file to every later run, at the cost of a sort instead of files times runs: on PostgreSQL, 20,000 files and
    /// 20,000 task runs in five minutes took 29.4 s that way. <paramref name="files"/> and
    /// <paramref name="runs"/> are conditions on <c>load_history l</c> and <c>task_run t</c> (each starting with AND).
    /// </summary>
    public static string PerFile(string files, string runs) => $"""
        SELECT file_key, landed_at, visible_at,
               CAST(floor(extract(epoch FROM visible_at - landed_at) * 1000) AS BIGINT) AS freshness_ms
        FROM (
            SELECT file_key, landed_at,
                   min(run_at) OVER (PARTITION BY table_name ORDER BY seq DESC, ord DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visible_at
            FROM (
                SELECT l.table_name, l.last_seq AS seq, 0 AS ord, l.file_key, l.landed_at, CAST(NULL AS TIMESTAMP) AS run_at
                FROM load_history l WHERE l.last_seq IS NOT NULL AND l.landed_at IS NOT NULL {files}
                UNION ALL
                SELECT t.table_name, t.to_seq, 1, NULL, NULL, t.finished_at
                FROM task_run t WHERE t.kind = 'stream' {runs}) AS u) AS v
        WHERE file_key IS NOT NULL AND visible_at IS NOT NULL
        """;

    public static readonly string SummarySql = $"""
        SELECT count(*) AS files,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY freshness_ms)) AS p50_ms,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY freshness_ms)) AS p95_ms,
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY freshness_ms)) AS p99_ms,
               max(freshness_ms) AS max_ms
        FROM ({PerFileSql}) AS f
        """;
}
