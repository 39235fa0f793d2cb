namespace CustomerTrack.Query;

/// <summary>
/// Per file, the time from landing (the file's modification time as ingest found it) until its rows were
/// visible in both SCD tables (the end of the first task run that covered its last ledger row). SQL both engines take
/// (no epoch_ms or quantile_cont, a named subquery): the demo and the bench read it on either.
/// </summary>
internal static class Freshness
{
    public const string PerFileSql = """
        SELECT l.file_key, l.landed_at, min(t.finished_at) AS visible_at,
               CAST(floor(extract(epoch FROM min(t.finished_at) - l.landed_at) * 1000) AS BIGINT) AS freshness_ms
        FROM load_history l JOIN task_run t ON t.kind = 'stream' AND t.to_seq >= l.last_seq
        WHERE l.last_seq IS NOT NULL AND l.landed_at IS NOT NULL
        GROUP BY l.file_key, l.landed_at
        """;

    public const string SummarySql = $"""
        SELECT count(*) AS files,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY freshness_ms)) AS p50_ms,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY freshness_ms)) AS p95_ms,
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY freshness_ms)) AS p99_ms,
               max(freshness_ms) AS max_ms
        FROM ({PerFileSql}) AS f
        """;
}
