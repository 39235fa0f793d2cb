using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>
/// What a process did, by its run id (<c>invocation_id</c> on load_history, load_attempt and task_run): the recent runs
/// with their counts (<c>status --runs</c>), or one run's files and task runs (<c>status --run ID</c>). A file a later
/// reload replaced keeps its earlier attempt, and that attempt's run id, in load_attempt; so a run's files are its rows
/// in both. SQL both engines take.
/// </summary>
internal static class RunReport
{
    /// <summary>
    /// Every row a run wrote, oldest first (the README's query): a file it loaded or set aside (its rows in and rejected;
    /// <c>name #N</c> for an attempt a reload replaced since),
    /// or a task run (the versions it wrote; its ledger range spans the other tables' rows too, one sequence numbering them all).
    /// </summary>
    public static string Items(string runId, QueryArgs args)
    {
        var id = args.Text(runId, "run");
        return $"""
            SELECT 'load' AS step, table_name AS "table", file_name AS item, status, rows_loaded AS "rows", rows_rejected AS rejected, loaded_at AS "at"
            FROM load_history WHERE invocation_id = {id}
            UNION ALL
            SELECT 'load', table_name, file_name || ' #' || CAST(attempt AS VARCHAR), status, rows_loaded, rows_rejected, loaded_at
            FROM load_attempt WHERE invocation_id = {id}
            UNION ALL
            SELECT 'task', table_name, 'task run ' || CAST(run_id AS VARCHAR) || ': ' || CAST(versions AS VARCHAR) || ' versions', kind, NULL, NULL, finished_at
            FROM task_run WHERE invocation_id = {id}
            ORDER BY "at", step, item
            """;
    }

    /// <summary>
    /// The latest <paramref name="limit"/> runs, newest first: by the last thing each wrote (ids sort by their start second
    /// only, and two processes started within one second differ in their random part).
    /// </summary>
    public static string Runs(int limit, QueryArgs args) => $"""
        SELECT invocation_id AS run, sum(files) AS files, sum(failed) AS failed, sum(loaded) AS "rows", sum(rejected) AS rejected,
               sum(tasks) AS tasks, sum(versions) AS versions
        FROM (SELECT invocation_id, 1 AS files, CASE WHEN status = 'LOAD_FAILED' THEN 1 ELSE 0 END AS failed,
                     rows_loaded AS loaded, rows_rejected AS rejected, 0 AS tasks, 0 AS versions, loaded_at AS "at"
              FROM load_history WHERE invocation_id IS NOT NULL
              UNION ALL
              SELECT invocation_id, 1, CASE WHEN status = 'LOAD_FAILED' THEN 1 ELSE 0 END, rows_loaded, rows_rejected, 0, 0, loaded_at
              FROM load_attempt WHERE invocation_id IS NOT NULL
              UNION ALL
              SELECT invocation_id, 0, 0, 0, 0, 1, versions, finished_at FROM task_run WHERE invocation_id IS NOT NULL) AS w
        GROUP BY invocation_id
        ORDER BY max("at") DESC, invocation_id DESC
        LIMIT {args.BigInt(limit, "limit")}
        """;
}
