namespace CustomerTrack.Query;

/// <summary>
/// Per file, the time from landing (the file's modification time as ingest found it) until its rows were
/// visible in both SCD tables (the end of the first task run that covered its last ledger row).
/// </summary>
public static class Freshness
{
    public const string PerFileSql = """
        SELECT l.file_key, l.landed_at, min(t.finished_at) AS visible_at,
               epoch_ms(min(t.finished_at)) - epoch_ms(l.landed_at) AS freshness_ms
        FROM load_history l JOIN task_run t ON t.kind = 'stream' AND t.to_seq >= l.last_seq
        WHERE l.last_seq IS NOT NULL AND l.landed_at IS NOT NULL
        GROUP BY l.file_key, l.landed_at
        """;

    public const string SummarySql = $"""
        SELECT count(*) AS files,
               round(quantile_cont(freshness_ms, 0.5)) AS p50_ms,
               round(quantile_cont(freshness_ms, 0.95)) AS p95_ms,
               round(quantile_cont(freshness_ms, 0.99)) AS p99_ms,
               max(freshness_ms) AS max_ms
        FROM ({PerFileSql})
        """;
}
