using System.Diagnostics;
using CustomerTrack.Configuration;
using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse;

/// <summary>
/// One task run, the same on every engine: the SCD statements for the ledger range (<c>from</c>, <c>to</c>], the stream
/// offset advanced to <c>to</c> and a task_run row, all in the caller's transaction (which the caller commits).
/// </summary>
internal static class ScdTask
{
    /// <summary>Runs the batch; <paramref name="entered"/> is when the caller asked for the writer (finished_at counts lock waits).</summary>
    public static TaskRunOutcome Apply(ISqlRunner db, ScdSettings scd, long from, long to, bool rebuild, DateTime now, long entered)
    {
        var started = Stopwatch.GetTimestamp();
        var sql = new ScdSql(scd);
        if (rebuild)
        {
            db.Execute("DELETE FROM customer_history");
            db.Execute("DELETE FROM customer");
        }

        (string, object?)[] range = [("from", from), ("to", to)];
        foreach (var statement in ScdSql.SelectKeys(rebuild))
        {
            db.Execute(statement, Used(statement, range));
        }

        var tiesSql = ScdSql.CountTies(rebuild);
        var ties = Convert.ToInt64(db.Scalar(tiesSql, Used(tiesSql, range)));
        db.Execute(sql.ComputeVersions());
        var customers = Convert.ToInt64(db.Scalar("SELECT count(*) FROM ct_keys"));
        var versions = Convert.ToInt64(db.Scalar(scd.DeleteMode == "close"
            ? "SELECT count(*) FROM ct_versions WHERE NOT is_deleted"
            : "SELECT count(*) FROM ct_versions"));
        foreach (var statement in sql.Apply())
        {
            db.Execute(statement);
        }

        db.Execute("UPDATE stream_offset SET offset_seq = $to, advanced_at = $now WHERE stream_name = 'customer_raw_stream'",
            ("to", to), ("now", now));
        var runId = Convert.ToInt64(db.Scalar("SELECT coalesce(max(run_id), 0) + 1 FROM task_run"));
        var duration = Stopwatch.GetElapsedTime(started);
        db.Execute("INSERT INTO task_run VALUES ($id, $kind, $started, $finished, $from, $to, $rows, $customers, $versions, $ties, $ms)",
            ("id", runId), ("kind", rebuild ? "rebuild" : "stream"), ("started", now), ("finished", now + Stopwatch.GetElapsedTime(entered)),
            ("from", rebuild ? 0L : from), ("to", to), ("rows", rebuild ? to : to - from), ("customers", customers),
            ("versions", versions), ("ties", ties), ("ms", duration.TotalMilliseconds));
        return new TaskRunOutcome(runId, from, to, rebuild ? to : to - from, customers, versions, ties, duration);
    }

    /// <summary>Drops the batch's working tables (after the commit: they are the session's own).</summary>
    public static void DropTemporaries(ISqlRunner db)
    {
        foreach (var temp in ScdSql.Temporaries)
        {
            db.Execute($"DROP TABLE IF EXISTS {temp}");
        }
    }

    private static (string, object?)[] Used(string sql, (string Name, object? Value)[] args) =>
        args.Where(a => sql.Contains("$" + a.Name, StringComparison.Ordinal)).ToArray();
}
