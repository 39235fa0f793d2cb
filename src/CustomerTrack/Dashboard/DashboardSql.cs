using CustomerTrack.Query;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Dashboard;

/// <summary>
/// What the dashboard reads, in SQL that DuckDB and PostgreSQL both take (extract(epoch), percentile_cont, named
/// subqueries, GROUP BY position), like <see cref="Query.StatusReport"/> and <see cref="Query.Freshness"/>. Every query is
/// bounded by time or by LIMIT so that a snapshot a second stays cheap on a long history, and reads one table's rows only
/// (the metadata tables' <c>table_name</c>); names come from checked definitions and are quoted, and every value (a
/// table's name, a moment, a file) is a parameter added to the caller's <see cref="QueryArgs"/>.
/// </summary>
internal static class DashboardSql
{
    /// <summary>
    /// Every count of a snapshot in ONE statement, so that they come from one snapshot of the warehouse and agree with
    /// each other and with <c>status</c> at that moment: <see cref="StatusReport.Sql"/>'s rows (one per table, with the
    /// totals), each with its table's tile (<see cref="Tiles"/>), and <paramref name="t"/>'s last five minutes.
    /// </summary>
    public static string Counts(TableDefinition t, IReadOnlyList<TableDefinition> all, DateTime now, QueryArgs args) => $"""
        SELECT s.*, k.*, r.*
        FROM ({StatusReport.Sql(all, args)}) AS s
        JOIN ({Tiles(all, now, args)}) AS k ON k.tile_table = s.table_name
        CROSS JOIN ({Recent(t, all, now.AddMinutes(-5), args)}) AS r
        ORDER BY s.ord
        """;

    /// <summary>
    /// Per table, as Dagster shows an asset: when its rows last changed (a task run that applied rows), and over the last
    /// five minutes how many files became visible and the p95 of their landing-to-visible time, and how old its oldest
    /// unapplied ledger row is.
    /// </summary>
    private static string Tiles(IReadOnlyList<TableDefinition> all, DateTime now, QueryArgs args) => string.Join("\nUNION ALL\n", all.Select(t => $"""
        SELECT {args.Text(t.Name, "table")} AS tile_table,
            (SELECT CAST(floor(extract(epoch FROM {args.Timestamp(now, "now")} - max(finished_at)) * 1000) AS BIGINT)
             FROM task_run WHERE {Of(t, args)} AND rows_read > 0) AS tile_updated_ms_ago,
            (SELECT count(*) FROM ({VisibleFiles(t, now.AddMinutes(-5), args)}) AS f) AS tile_files_5m,
            (SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY freshness_ms)) FROM ({VisibleFiles(t, now.AddMinutes(-5), args)}) AS f) AS tile_p95_ms,
            (SELECT CAST(floor(extract(epoch FROM {args.Timestamp(now, "now")} - min(_loaded_at)) * 1000) AS BIGINT)
             FROM {Identifiers.Quote(t.RawTable)}
             WHERE _seq > (SELECT offset_seq FROM stream_offset WHERE stream_name = {args.Text(t.StreamName, "stream")})) AS tile_waiting_ms,
            {AbsentDeletes(t, now.AddMinutes(-5), args)} AS tile_absent_5m
        """));

    /// <summary>
    /// A snapshot table's deletes by absence (docs/semantics.md, rule 16) written by the files loaded since
    /// <paramref name="since"/>: the ledger's <c>DELETE</c> rows at line 0 that take their file's last <c>_seq</c>, found
    /// through it; NULL for a table of changes, which has none.
    /// </summary>
    private static string AbsentDeletes(TableDefinition t, DateTime since, QueryArgs args)
    {
        if (t.Mode != TableMode.Snapshot)
        {
            return "CAST(NULL AS BIGINT)";
        }

        var from = args.Timestamp(since, "since");
        return $"""
            (SELECT count(*) FROM load_history l JOIN {Identifiers.Quote(t.RawTable)} r ON r._seq = l.last_seq AND r._file = l.file_key
             WHERE r._line = 0 AND l.loaded_at >= {from})
            """;
    }

    /// <summary>The last five minutes per stage, and how old the stream's oldest unapplied row is.</summary>
    private static string Recent(TableDefinition t, IReadOnlyList<TableDefinition> all, DateTime since, QueryArgs args) => $"""
        SELECT
            (SELECT count(*) FROM load_history WHERE {Files(t, all, args)}) AS files_known,
            (SELECT count(*) FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")}) AS files_5m,
            (SELECT coalesce(sum(rows_in_file), 0) FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")}) AS rows_in_5m,
            (SELECT coalesce(sum(rows_loaded), 0) FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")}) AS rows_loaded_5m,
            (SELECT coalesce(sum(rows_rejected), 0) FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")}) AS rows_rejected_5m,
            (SELECT count(*) FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")} AND status = 'LOAD_FAILED') AS failed_5m,
            (SELECT count(*) FROM task_run WHERE {Of(t, args)} AND finished_at >= {args.Timestamp(since, "since")}) AS runs_5m,
            (SELECT coalesce(sum(rows_read), 0) FROM task_run WHERE {Of(t, args)} AND finished_at >= {args.Timestamp(since, "since")}) AS rows_applied_5m,
            (SELECT coalesce(sum(versions), 0) FROM task_run WHERE {Of(t, args)} AND finished_at >= {args.Timestamp(since, "since")}) AS versions_5m,
            (SELECT min(_loaded_at) FROM {Identifiers.Quote(t.RawTable)}
             WHERE _seq > (SELECT offset_seq FROM stream_offset WHERE stream_name = {args.Text(t.StreamName, "stream")})) AS stream_oldest
        """;

    /// <summary>
    /// Per file of <paramref name="t"/> loaded since <paramref name="since"/> with rows: when the first stream task run
    /// that covered its last ledger row finished, and its landing-to-visible time (as <see cref="Query.Freshness"/> measures it).
    /// </summary>
    private static string VisibleFiles(TableDefinition t, DateTime since, QueryArgs args)
    {
        var table = args.Text(t.Name, "table");
        var from = args.Timestamp(since, "since");
        var files = $"AND l.table_name = {table} AND l.loaded_at >= {from}";
        return Query.Freshness.PerFile(files, $"""
            AND t.table_name = {table} AND t.to_seq >= (SELECT min(l.last_seq) FROM load_history l
                WHERE l.last_seq IS NOT NULL AND l.landed_at IS NOT NULL {files})
            """);
    }

    /// <summary>Seconds per bucket of the freshness and throughput charts: a one-minute demo still draws six points.</summary>
    public const int BucketSeconds = 10;

    private static string Bucket(string column) =>
        $"CAST(floor(extract(epoch FROM {column}) / {BucketSeconds}) * {BucketSeconds} AS BIGINT)";

    /// <summary>Per bucket: files made visible, and the p50, p95 and p99 of landing-to-visible.</summary>
    public static string Freshness(TableDefinition t, IReadOnlyList<TableDefinition> all, DateTime since, QueryArgs args) => $"""
        SELECT {Bucket("visible_at")} AS bucket, count(*) AS files,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY freshness_ms)) AS p50_ms,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY freshness_ms)) AS p95_ms,
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY freshness_ms)) AS p99_ms
        FROM ({VisibleFiles(t, since, args)}) AS f
        GROUP BY 1
        ORDER BY 1
        """;

    /// <summary>Rows per bucket landed (by landing time), loaded and applied.</summary>
    public static string Throughput(TableDefinition t, IReadOnlyList<TableDefinition> all, DateTime since, QueryArgs args) => $"""
        SELECT bucket, stage, rows_per_bucket FROM (
            SELECT {Bucket("landed_at")} AS bucket, 'landed' AS stage, sum(rows_in_file) AS rows_per_bucket
            FROM load_history WHERE {Files(t, all, args)} AND landed_at >= {args.Timestamp(since, "since")} GROUP BY 1
            UNION ALL
            SELECT {Bucket("loaded_at")}, 'loaded', sum(rows_loaded)
            FROM load_history WHERE {Files(t, all, args)} AND loaded_at >= {args.Timestamp(since, "since")} GROUP BY 1
            UNION ALL
            SELECT {Bucket("finished_at")}, 'applied', sum(rows_read)
            FROM task_run WHERE {Of(t, args)} AND finished_at >= {args.Timestamp(since, "since")} GROUP BY 1) AS x
        ORDER BY 1, 2
        """;

    /// <summary>The latest files with the first error of each (its line and field), like Snowflake's COPY_HISTORY.</summary>
    public static string Loads(TableDefinition t, IReadOnlyList<TableDefinition> all, QueryArgs args) => $"""
        SELECT l.file_key, l.file_name, l.status, l.rows_in_file, l.rows_loaded, l.rows_rejected, l.landed_at, l.loaded_at,
               round(l.load_ms) AS load_ms,
               {(t.Mode == TableMode.Snapshot
                   ? $"(SELECT count(*) FROM {Identifiers.Quote(t.RawTable)} r WHERE r._seq = l.last_seq AND r._file = l.file_key AND r._line = 0)"
                   : "CAST(NULL AS BIGINT)")} AS absent_deleted,
               coalesce(l.error, (SELECT 'line ' || CAST(j.line AS VARCHAR) || ', ' || j.field || ': ' || j.reason
                                  FROM load_rejects j WHERE j.file_key = l.file_key ORDER BY j.line LIMIT 1)) AS first_error
        FROM load_history l
        WHERE {Files(t, all, args, "l.")}
        ORDER BY l.loaded_at DESC, l.file_key DESC
        LIMIT 200
        """;

    public static string Rejects(string fileKey, QueryArgs args) => $"""
        SELECT line, field, reason, raw FROM load_rejects WHERE file_key = {args.Text(fileKey, "file")} ORDER BY line LIMIT 1000
        """;

    public static string Tasks(TableDefinition t, QueryArgs args) => $"""
        SELECT run_id, kind, started_at, finished_at, from_seq, to_seq, rows_read, keys, versions, ties,
               round(duration_ms) AS duration_ms
        FROM task_run
        WHERE {Of(t, args)}
        ORDER BY run_id DESC
        LIMIT 200
        """;

    /// <summary>
    /// A key's versions, oldest first, each with the ledger row (file and line) it came from, and, for a version a snapshot
    /// ended by leaving its key out (docs/semantics.md, rule 16), <c>deleted_by</c>: "deleted by absence (snapshot FILE)".
    /// That is a version <c>pv</c> closed where no other starts (or followed by a tombstone under <c>tombstone-row</c>, which
    /// is marked too) by a ledger <c>DELETE</c> at line 0, which a snapshot's load wrote; FILE is the first file of the
    /// snapshot at that moment that covers the key's partition (the one that left it out: the delete row itself may be a
    /// late snapshot's, rule 16's "next snapshot"). <paramref name="keyCondition"/> is
    /// <see cref="Query.TableReads.KeyCondition"/>'s: every key column, each value checked against its type.
    /// </summary>
    public static string Versions(TableDefinition t, string keyCondition)
    {
        string Same(string a, string b) => string.Join(" AND ", t.Key.Select(k => $"{a}.{k.Quoted} = {b}.{k.Quoted}"));
        var raw = Identifiers.Quote(t.RawTable);
        var history = Identifiers.Quote(t.HistoryTable);
        var ts = Identifiers.Quote(t.SequenceColumn);
        var partition = string.Concat(t.Snapshot.Partition.Select(p => $" AND s.{p.Quoted} IS NOT DISTINCT FROM pv.{p.Quoted}"));
        var deletedBy = t.Mode != TableMode.Snapshot ? "CAST(NULL AS VARCHAR)" : $"""
            (SELECT 'deleted by absence (snapshot ' || l.file_name || ')'
             FROM {history} pv, {raw} s JOIN load_history l ON l.file_key = s._file
             WHERE {Same("pv", "h")} AND NOT pv.is_deleted
               AND CASE WHEN h.is_deleted THEN pv.end_time = h.start_time
                        ELSE pv.start_time = h.start_time AND NOT h.is_current
                             AND NOT EXISTS (SELECT 1 FROM {history} n WHERE {Same("n", "h")} AND n.start_time = h.end_time) END
               AND EXISTS (SELECT 1 FROM {raw} r WHERE {Same("r", "h")} AND r.{ts} = pv.end_time
                           AND r.{Identifiers.Quote(t.OpColumn)} = 'DELETE' AND r._line = 0)
               AND s.{ts} = pv.end_time AND s._line > 0{partition}
             ORDER BY s._seq LIMIT 1)
            """;
        return $"""
            SELECT h.*,
                   (SELECT r._file || ':' || CAST(r._line AS VARCHAR) FROM {raw} r
                    WHERE {Same("r", "h")} AND r.{ts} = h.start_time ORDER BY r._seq DESC LIMIT 1) AS source,
                   {deletedBy} AS deleted_by
            FROM {history} h
            WHERE {keyCondition}
            ORDER BY h.start_time
            """;
    }

    /// <summary>The task runs of <paramref name="t"/>.</summary>
    private static string Of(TableDefinition t, QueryArgs args) => $"table_name = {args.Text(t.Name, "table")}";

    /// <summary>
    /// The files of <paramref name="t"/>, and the unrouted ones, which every table's view shows: a file no table took
    /// is recorded LOAD_FAILED under the folder name it landed in (<c>''</c> for landing/ itself when no table is the
    /// default, or a name no table has), so unrouted means a <c>table_name</c> that is none of <paramref name="all"/>.
    /// </summary>
    private static string Files(TableDefinition t, IReadOnlyList<TableDefinition> all, QueryArgs args, string alias = "") =>
        $"({alias}table_name = {args.Text(t.Name, "table")} OR coalesce({alias}table_name, '') <> ALL({args.TextList(all.Select(x => x.Name), "tables")}))";
}
