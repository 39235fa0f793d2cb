using System.Diagnostics;
using CustomerTrack.Configuration;
using CustomerTrack.Load;

namespace CustomerTrack.Warehouse;

/// <summary>
/// Loading one lake file, the same on every engine (Snowpipe's load semantics), in the caller's transaction: a file
/// already in the load history is not loaded again; the same name and content under another key is SKIPPED; otherwise
/// its rows are appended and <c>Load:OnError</c> decides what bad rows do; one load_history row records the outcome.
/// The engine brings only its bulk path (<c>append</c>) and how it takes back one file's rows (<c>undo</c>).
/// </summary>
internal static class FileLoad
{
    /// <summary>
    /// Loads <paramref name="file"/>. <paramref name="lastSeq"/> reads the ledger's end as the transaction has moved it;
    /// <paramref name="append"/> appends the file's rows (given a reason, it rejects every row with it);
    /// <paramref name="undo"/> takes back what the first append did (under skip_file a transaction holds one file).
    /// </summary>
    public static LoadOutcome Run(ISqlRunner db, LakeFile file, LoadSettings settings, DateTime now,
        Func<long> lastSeq, Func<string?, FileReadSummary> append, Action undo)
    {
        var started = Stopwatch.GetTimestamp();
        if (Convert.ToInt64(db.Scalar("SELECT count(*) FROM load_history WHERE file_key = $key", ("key", file.Key))) > 0)
        {
            return new LoadOutcome(file.Key, "ALREADY_LOADED", 0, 0, 0, null);
        }

        var duplicateOf = db.Scalar("SELECT min(file_key) FROM load_history WHERE file_name = $name AND sha256 = $sha AND status <> 'SKIPPED'",
            ("name", file.FileName), ("sha", file.Sha256)) as string;
        FileReadSummary summary;
        string status;
        string? error;
        var firstSeq = lastSeq() + 1;
        if (duplicateOf is not null)
        {
            summary = new FileReadSummary(0, 0, 0, [], null);
            status = "SKIPPED";
            error = $"same name and content as {duplicateOf}, already loaded";
        }
        else
        {
            summary = append(null);
            if (summary.Rejected > 0 && settings.OnError == "abort")
            {
                // The caller rolls back the transaction.
                throw FirstRejectSink.Of(file, settings.MaxFieldBytes);
            }

            if (summary.Rejected > 0 && settings.OnError == "skip_file")
            {
                undo();
                summary = append($"file skipped (Load:OnError is skip_file): {summary.Rejected} of its rows broke the contract");

                // The reader counted the good rows as accepted, but the sink rejected them all.
                summary = summary with { Accepted = 0, Rejected = summary.Rows };
            }

            status = LoadStatus.Of(summary);
            error = summary.FileError;
        }

        db.Execute("""
            INSERT INTO load_history VALUES ($key, $name, $sha, $bytes, $status, $rows, $loaded, $rejected,
                $first, $last, $unknown, $error, $landed, $now, $ms)
            """,
            ("key", file.Key), ("name", file.FileName), ("sha", file.Sha256), ("bytes", file.Bytes), ("status", status),
            ("rows", summary.Rows), ("loaded", summary.Accepted), ("rejected", summary.Rejected),
            ("first", summary.Accepted > 0 ? firstSeq : null), ("last", summary.Accepted > 0 ? lastSeq() : null),
            ("unknown", summary.UnknownColumns.Count > 0 ? string.Join(",", summary.UnknownColumns) : null), ("error", error),
            ("landed", file.LandedAt), ("now", now), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        return new LoadOutcome(file.Key, status, summary.Rows, summary.Accepted, summary.Rejected, error)
        {
            Ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            LandedAt = file.LandedAt,
        };
    }
}
