using CustomerTrack.Configuration;
using CustomerTrack.Formats;
using CustomerTrack.Scd;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Load;

/// <summary>
/// Loading lake files, the same on every engine (Snowpipe's load semantics), in one load transaction of the engine
/// (<see cref="ILoadTransaction"/>): a file already in the load history is not loaded again; the same name and content
/// under another key is LOAD_SKIPPED; otherwise its rows are appended and <c>Load:OnError</c> decides what bad rows do;
/// one load_history row records each file's outcome. The engine brings only its bulk path, the ledger range, a
/// savepoint per file and the commit.
/// </summary>
internal static class FileLoad
{
    /// <summary>
    /// Loads <paramref name="files"/>, each with its load-history row, in one transaction: one commit for many small
    /// files (a commit costs tens of milliseconds of WAL sync). Only under <c>Load:OnError = continue</c> may a call hold
    /// several files: the other policies take a file back on its own (DuckDB has no savepoint: it rolls back). The
    /// files' claims end when the transaction does, whatever its outcome.
    /// </summary>
    public static async Task<IReadOnlyList<LoadOutcome>> LoadAsync(IWarehouse warehouse, IReadOnlyList<LakeFile> files, LoadSettings settings,
        TimeProvider time, CancellationToken ct = default)
    {
        // The rows' load time, taken before the engine's lock or session is waited for.
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            if (files.Count > 1 && settings.Policy != OnError.Continue)
            {
                throw new ArgumentException("several files per transaction only under Load:OnError = continue", nameof(files));
            }

            return await warehouse.InLoadTransactionAsync(time, async tx =>
            {
                // The heavy part first, before the ledger range is reserved: each file read and checked (PostgreSQL:
                // into staging tables; other workers load meanwhile).
                foreach (var file in files.Where(f => f.Table is not null).DistinctBy(f => f.Key))
                {
                    tx.Stage(file, settings, now);
                }

                tx.Reserve();
                var outcomes = new List<LoadOutcome>(files.Count);
                foreach (var file in files)
                {
                    tx.BeginFile(file);
                    outcomes.Add(Run(tx, file, settings, time, now, warehouse.InvocationId));
                }

                // Every file not loaded before got its load_history row in this transaction.
                await tx.CommitAsync("load", outcomes.Where(o => o.Status != LoadStatus.AlreadyLoaded).Select(o => o.Key).ToList(), ct);
                return (IReadOnlyList<LoadOutcome>)outcomes;
            }, ct);
        }
        finally
        {
            warehouse.ReleaseClaims(files.Select(f => f.Key).ToList());
        }
    }

    /// <summary>
    /// Sets a file aside that cannot be loaded for a reason no retry cures (it cannot be read, its content does not
    /// match its key): a LOAD_FAILED row in the load history with the reason, so status shows it and no loader tries it
    /// again. A file already in the history is left as it is.
    /// </summary>
    public static async Task<LoadOutcome> QuarantineAsync(IWarehouse warehouse, LakeFile file, string reason, TimeProvider time, CancellationToken ct = default)
    {
        try
        {
            return await warehouse.InLoadTransactionAsync(time, async tx =>
            {
                var outcome = Quarantine(tx, file, reason, time.GetUtcNow().UtcDateTime, warehouse.InvocationId);
                await tx.CommitAsync(null, [], ct);
                return outcome;
            }, ct);
        }
        finally
        {
            warehouse.ReleaseClaims([file.Key]);
        }
    }

    /// <summary>
    /// Loads <paramref name="file"/>, staged in <paramref name="tx"/> at <paramref name="loadTime"/> (its rows' load time);
    /// <paramref name="invocation"/> is the loading process's run id (<see cref="Invocations"/>).
    /// </summary>
    private static LoadOutcome Run(ILoadTransaction tx, LakeFile file, LoadSettings settings, TimeProvider time, DateTime loadTime, string? invocation)
    {
        ISqlRunner db = tx;
        var now = time.GetUtcNow().UtcDateTime;
        var started = time.GetTimestamp();
        var previous = db.Scalar("SELECT status FROM load_history WHERE file_key = $key", ("key", file.Key)) as string;
        if (previous is not null && file.Reload is null)
        {
            return new LoadOutcome(file.Key, LoadStatus.AlreadyLoaded, 0, 0, 0, null);
        }

        if (previous is not null && previous == LoadStatus.Loaded.Text() && file.Reload is { Force: false })
        {
            return new LoadOutcome(file.Key, LoadStatus.AlreadyLoaded, 0, 0, 0,
                "its last attempt loaded it whole; 'reload --force' loads it again (its rows then count as duplicates)");
        }

        // A reload keeps the attempt it replaces, and that attempt's rejects, in load_attempt and load_attempt_rejects.
        var reloading = previous is not null;
        if (reloading)
        {
            LoadAttempts.Archive(db, file.Key, now);
        }

        var duplicateOf = file.Reload is not null ? null : db.Scalar("SELECT min(file_key) FROM load_history WHERE file_name = $name AND sha256 = $sha AND " + SkippedStatuses.NotSkipped + " AND table_name = $table",
            ("name", file.FileName), ("sha", file.Sha256), ("table", file.TableName)) as string;
        FileReadSummary summary;
        LoadStatus status;
        string? error;
        var firstSeq = tx.LastSeq + 1;
        if (file.Table is null)
        {
            // A file no table takes is recorded, never silently left: the lake keeps it, and a table defined for it
            // later does not load it (its load_history row stands); land it again under the table's folder.
            summary = new FileReadSummary(0, 0, 0, [], null);
            status = LoadStatus.Failed;
            error = file.TableName.Length == 0
                ? "unrouted: the file was landed directly in landing/ and no table is marked Default; land it in landing/<table>/"
                : $"unrouted: no table '{file.TableName}' is defined (landing/{file.TableName}/); the tables are in the Tables setting";
        }
        else if (duplicateOf is not null)
        {
            summary = new FileReadSummary(0, 0, 0, [], null);
            status = LoadStatus.Skipped;
            error = $"already loaded as {duplicateOf} (same name and content)";
        }
        else
        {
            summary = tx.Publish(file, loadTime, null);
            if (summary.Rejected > 0 && settings.Policy == OnError.Abort)
            {
                // The caller rolls back the transaction.
                throw AbortError.Of(file.Key, summary);
            }

            if (summary.Rejected > 0 && settings.Policy == OnError.SkipFile)
            {
                tx.UndoFile();
                if (reloading)
                {
                    // The undo took back the move of the earlier attempt too.
                    LoadAttempts.Archive(db, file.Key, now);
                }

                summary = tx.Publish(file, loadTime, $"file skipped (Load:OnError is skip_file): {summary.Rejected} of its rows broke the contract");

                // The reader counted the good rows as accepted, but the sink rejected them all.
                summary = summary with { Accepted = 0, Rejected = summary.Rows };
            }

            status = LoadStatuses.Of(summary);
            error = summary.FileError;
            if (file.Table.Mode == TableMode.Snapshot && status != LoadStatus.Failed && SnapshotDeletes.Apply(db, file.Table, file.Key, firstSeq,
                summary.Accepted > 0 ? tx.LastSeq : firstSeq - 1, now, force: file.Reload is { Force: true }) is { } aside)
            {
                (status, error, summary) = (LoadStatus.Failed, aside, summary with { Accepted = 0 });
            }
        }

        // A reload updates the file's row in place (its key stays the table's primary key: one row per file).
        db.Execute(reloading
            ? """
            UPDATE load_history SET file_name = $name, sha256 = $sha, bytes = $bytes, status = $status, rows_in_file = $rows,
                rows_loaded = $loaded, rows_rejected = $rejected, first_seq = $first, last_seq = $last, unknown_columns = $unknown,
                error = $error, landed_at = $landed, loaded_at = $now, load_ms = $ms, table_name = $table, invocation_id = $invocation
            WHERE file_key = $key
            """
            : """
            INSERT INTO load_history (file_key, file_name, sha256, bytes, status, rows_in_file, rows_loaded, rows_rejected,
                first_seq, last_seq, unknown_columns, error, landed_at, loaded_at, load_ms, table_name, invocation_id)
            VALUES ($key, $name, $sha, $bytes, $status, $rows, $loaded, $rejected,
                $first, $last, $unknown, $error, $landed, $now, $ms, $table, $invocation)
            """,
            ("key", file.Key), ("name", file.FileName), ("sha", file.Sha256), ("bytes", file.Bytes), ("status", status.Text()),
            ("rows", summary.Rows), ("loaded", summary.Accepted), ("rejected", summary.Rejected),
            ("first", summary.Accepted > 0 ? firstSeq : null), ("last", summary.Accepted > 0 ? tx.LastSeq : null),
            ("unknown", summary.UnknownColumns.Count > 0 ? string.Join(",", summary.UnknownColumns) : null), ("error", error),
            ("landed", file.LandedAt), ("now", now), ("ms", time.GetElapsedTime(started).TotalMilliseconds), ("table", file.TableName),
            ("invocation", invocation));
        return new LoadOutcome(file.Key, status, summary.Rows, summary.Accepted, summary.Rejected, error)
        {
            Ms = time.GetElapsedTime(started).TotalMilliseconds,
            LandedAt = file.LandedAt,
            DroppedColumns = summary.UnknownColumns,
        };
    }

    /// <summary>Records <paramref name="file"/> as LOAD_FAILED with <paramref name="reason"/>, unless the history holds it already.</summary>
    private static LoadOutcome Quarantine(ISqlRunner db, LakeFile file, string reason, DateTime now, string? invocation)
    {
        db.Execute("""
            INSERT INTO load_history (file_key, file_name, sha256, bytes, status, rows_in_file, rows_loaded, rows_rejected,
                first_seq, last_seq, unknown_columns, error, landed_at, loaded_at, load_ms, table_name, invocation_id)
            SELECT $key, $name, $sha, CAST($bytes AS BIGINT), 'LOAD_FAILED', 0, 0, 0, NULL, NULL, NULL, $error,
                CAST($landed AS TIMESTAMP), CAST($now AS TIMESTAMP), 0, $table, CAST($invocation AS VARCHAR)
            WHERE NOT EXISTS (SELECT 1 FROM load_history WHERE file_key = $key)
            """,
            ("key", file.Key), ("name", file.FileName), ("sha", file.Sha256), ("bytes", file.Bytes), ("error", reason),
            ("landed", file.LandedAt), ("now", now), ("table", file.TableName), ("invocation", invocation));
        return new LoadOutcome(file.Key, LoadStatus.Failed, 0, 0, 0, reason);
    }
}
