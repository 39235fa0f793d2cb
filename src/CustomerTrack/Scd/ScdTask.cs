using CustomerTrack.Tables;

namespace CustomerTrack.Scd;

/// <summary>
/// One task run of one table, the same on every engine: the SCD plan for the ledger range (<c>from</c>, <c>to</c>], the
/// table's stream offset advanced to <c>to</c> and a task_run row, all in one transaction under the task lock.
/// </summary>
internal static class ScdTask
{
    /// <summary>
    /// Applies the ledger rows of <paramref name="table"/> above its stream offset (at most <paramref name="maxRows"/>;
    /// with <paramref name="rebuild"/>, recomputes the SCD tables from the whole ledger up to the offset) in
    /// <paramref name="tx"/>, which this commits; null when the stream is empty or another worker is applying one.
    /// </summary>
    public static async Task<TaskRunOutcome?> RunAsync(IWriteTransaction tx, TableDefinition table, int maxRows, bool rebuild, TimeProvider time,
        string? invocation = null, CancellationToken ct = default)
    {
        // One task run at a time across all workers; another worker applying the stream now is not an error.
        if (!await tx.TryTakeTaskLockAsync(wait: rebuild, ct))
        {
            return null;
        }

        var from = Convert.ToInt64(tx.Scalar("SELECT offset_seq FROM stream_offset WHERE stream_name = $stream", ("stream", table.StreamName)));
        var max = await tx.CommittedLedgerEndAsync(table, from, ct);
        if (!rebuild && max <= from)
        {
            return null;
        }

        var to = rebuild ? from : Math.Min(max, from + maxRows);
        var outcome = Apply(tx, table, from, to, rebuild, time, invocation);
        await tx.CommitAsync("tasks", ct);
        DropTemporaries(tx);
        return outcome;
    }

    /// <summary>
    /// Runs the batch, the transaction holding the task lock already. started_at and finished_at are wall-clock moments, so the
    /// freshness measured up to finished_at includes any time the run waited for the writer before it started; adding
    /// that wait to finished_at as well would count it twice. Elapsed times come from <paramref name="time"/>.
    /// </summary>
    private static TaskRunOutcome Apply(ISqlRunner db, TableDefinition table, long from, long to, bool rebuild, TimeProvider time, string? invocation)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var started = time.GetTimestamp();

        // Another worker may have added a column a file brought since this one read the definition: the plan must carry
        // it, or its values would not reach the SCD tables. The caller has read the ledger already in this transaction,
        // so a column added later cannot have rows in the range.
        if (table.SchemaEvolution == SchemaEvolution.Add)
        {
            table = TableColumns.Current(db, table);
        }

        // The plan's statements go to the engine in one send, then the counts are read from its working tables (kept
        // until after the commit); on PostgreSQL a task run was about 44 round trips before, each a statement.
        var plan = new ScdPlan(table);
        var values = new Dictionary<string, object?> { [ScdPlan.From] = from, [ScdPlan.To] = to };
        var steps = plan.SelectKeys(rebuild).Append(plan.ComputeVersions()).Concat(plan.Apply());
        db.RunAll(rebuild ? plan.Clear().Concat(steps) : steps, values);
        var ties = Convert.ToInt64(db.Scalar(plan.CountTies(rebuild), values));
        var keys = Convert.ToInt64(db.Scalar(ScdPlan.CountKeys, values));
        var rows = Convert.ToInt64(db.Scalar(ScdPlan.CountRows, values));
        var versions = Convert.ToInt64(db.Scalar(plan.CountVersions(rebuild), values));

        db.Execute("UPDATE stream_offset SET offset_seq = $to, advanced_at = $now WHERE stream_name = $stream",
            ("to", to), ("now", now), ("stream", table.StreamName));
        var runId = Convert.ToInt64(db.Scalar("SELECT coalesce(max(run_id), 0) + 1 FROM task_run"));
        var duration = time.GetElapsedTime(started);
        db.Execute("""
            INSERT INTO task_run (run_id, kind, started_at, finished_at, from_seq, to_seq, rows_read, keys, versions, ties, duration_ms, table_name, invocation_id)
            VALUES ($id, $kind, $started, $finished, $from, $to, $rows, $keys, $versions, $ties, $ms, $table, $invocation)
            """,
            ("id", runId), ("kind", rebuild ? "rebuild" : "stream"), ("started", now), ("finished", now + time.GetElapsedTime(started)),
            ("from", rebuild ? 0L : from), ("to", to), ("rows", rows), ("keys", keys),
            ("versions", versions), ("ties", ties), ("ms", duration.TotalMilliseconds), ("table", table.Name), ("invocation", invocation));
        return new TaskRunOutcome(table.Name, runId, from, to, rows, keys, versions, ties, duration);
    }

    /// <summary>Drops the batch's working tables (after the commit: they are the session's own).</summary>
    private static void DropTemporaries(ISqlRunner db)
    {
        foreach (var temp in ScdPlan.Temporaries)
        {
            db.Execute($"DROP TABLE IF EXISTS {temp}");
        }
    }
}
