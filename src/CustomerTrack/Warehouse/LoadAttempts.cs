using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse;

/// <summary>
/// The attempts a reload replaced: <c>load_history</c> keeps one row per file (its key is the primary key, which is
/// how a file is loaded once), so before a reload rewrites that row it is copied to <c>load_attempt</c> with its
/// attempt number, and its rejects move to <c>load_attempt_rejects</c>; <c>load_rejects</c> then holds the rejects of
/// each file's last attempt only, as every reader of it expects.
/// </summary>
internal static class LoadAttempts
{
    /// <summary>The tables, made with the rest of the metadata (both engines take the SQL).</summary>
    public static IEnumerable<string> Statements()
    {
        yield return """
            CREATE TABLE IF NOT EXISTS load_attempt (
                file_key VARCHAR NOT NULL, attempt BIGINT NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
                bytes BIGINT NOT NULL, status VARCHAR NOT NULL, rows_in_file BIGINT NOT NULL, rows_loaded BIGINT NOT NULL,
                rows_rejected BIGINT NOT NULL, first_seq BIGINT, last_seq BIGINT, unknown_columns VARCHAR, error VARCHAR,
                landed_at TIMESTAMP, loaded_at TIMESTAMP NOT NULL, load_ms DOUBLE PRECISION NOT NULL, table_name VARCHAR,
                replaced_at TIMESTAMP NOT NULL)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS load_attempt_rejects (
                file_key VARCHAR NOT NULL, attempt BIGINT NOT NULL, line BIGINT NOT NULL, field VARCHAR NOT NULL,
                reason VARCHAR NOT NULL, raw VARCHAR, rejected_at TIMESTAMP NOT NULL, table_name VARCHAR)
            """;
    }

    /// <summary>
    /// Copies <paramref name="fileKey"/>'s load-history row to <c>load_attempt</c> as its next attempt number and moves
    /// its rejects to <c>load_attempt_rejects</c>, in the caller's transaction (the reload that replaces them).
    /// </summary>
    public static void Archive(ISqlRunner db, string fileKey, DateTime now)
    {
        var attempt = Convert.ToInt64(db.Scalar("SELECT count(*) FROM load_attempt WHERE file_key = $key", ("key", fileKey))) + 1;
        db.Execute("""
            INSERT INTO load_attempt (file_key, attempt, file_name, sha256, bytes, status, rows_in_file, rows_loaded, rows_rejected,
                first_seq, last_seq, unknown_columns, error, landed_at, loaded_at, load_ms, table_name, replaced_at, invocation_id)
            SELECT file_key, CAST($attempt AS BIGINT), file_name, sha256, bytes, status, rows_in_file, rows_loaded, rows_rejected,
                first_seq, last_seq, unknown_columns, error, landed_at, loaded_at, load_ms, table_name, CAST($now AS TIMESTAMP), invocation_id
            FROM load_history WHERE file_key = $key
            """, ("key", fileKey), ("attempt", attempt), ("now", now));
        db.Execute("""
            INSERT INTO load_attempt_rejects (file_key, attempt, line, field, reason, raw, rejected_at, table_name)
            SELECT file_key, CAST($attempt AS BIGINT), line, field, reason, raw, rejected_at, table_name
            FROM load_rejects WHERE file_key = $key
            """, ("key", fileKey), ("attempt", attempt));
        db.Execute("DELETE FROM load_rejects WHERE file_key = $key", ("key", fileKey));
    }
}
