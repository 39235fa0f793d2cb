using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>
/// A file's lineage past the lake (NiFi's provenance, the <c>provenance</c> command): every load attempt of the file
/// (load_attempt's replaced ones, then load_history's last), each with the ledger range it appended and the run id of the
/// process that loaded it, and after each the task runs of its table whose range covers that attempt's ledger rows (or,
/// while the stream has not reached them, the rows still waiting). Landing and lake come from <c>logs/provenance.jsonl</c>,
/// which is not in the warehouse. One statement, SQL both engines take.
/// </summary>
internal static class ProvenanceReport
{
    /// <summary>The columns of every row, the landing and lake rows the command adds included.</summary>
    public static readonly string[] Columns =
        ["file_key", "table", "stage", "attempt", "item", "status", "rows", "rejected", "first_seq", "last_seq", "run", "at"];

    /// <summary>
    /// The chains of the files whose lake key or file name is one of <paramref name="names"/> (a name several files have
    /// gives each of them), files oldest first.
    /// </summary>
    public static string Named(IReadOnlyList<string> names, QueryArgs args)
    {
        var list = args.TextList(names, "names");
        return Chains($"""
            SELECT file_key FROM load_history WHERE file_key = ANY({list}) OR file_name = ANY({list})
            UNION SELECT file_key FROM load_attempt WHERE file_key = ANY({list}) OR file_name = ANY({list})
            """);
    }

    /// <summary>
    /// The chains of the files whose ledger rows have a key <paramref name="key"/> selects (from
    /// <see cref="TableReads.KeyCondition"/>: one key, or every key with part of a composite one), files oldest first.
    /// </summary>
    public static string Touching(TableDefinition table, KeyFilter key) =>
        Chains($"SELECT DISTINCT _file AS file_key FROM {Identifiers.Quote(table.RawTable)} WHERE {key.Sql}");

    /// <summary>
    /// The rows of each chosen file, ordered by the file's first load, then attempt by attempt: its load, then the task
    /// runs that applied its rows. A task run's range is (from_seq, to_seq], an attempt's [first_seq, last_seq]; one
    /// sequence numbers every ledger, so a run is matched within the attempt's table. A task row's <c>rows</c> are the
    /// attempt's ledger rows in the run's range; a waiting row's the ones above the stream's offset.
    /// </summary>
    private static string Chains(string chosen) => $"""
        WITH chosen AS ({chosen}),
        attempts AS (
            SELECT a.file_key, a.attempt, a.file_name, a.table_name, a.status, a.rows_loaded, a.rows_rejected,
                   a.first_seq, a.last_seq, a.invocation_id, a.loaded_at
            FROM load_attempt a JOIN chosen c ON c.file_key = a.file_key
            UNION ALL
            SELECT h.file_key, CAST(1 + (SELECT count(*) FROM load_attempt x WHERE x.file_key = h.file_key) AS BIGINT),
                   h.file_name, h.table_name, h.status, h.rows_loaded, h.rows_rejected, h.first_seq, h.last_seq, h.invocation_id,
                   h.loaded_at
            FROM load_history h JOIN chosen c ON c.file_key = h.file_key),
        firsts AS (SELECT file_key, min(loaded_at) AS since FROM attempts GROUP BY file_key),
        chain AS (
            SELECT file_key, table_name AS "table", 'load' AS stage, 1 AS step, attempt, file_name AS item, status,
                   rows_loaded AS "rows", rows_rejected AS rejected, first_seq, last_seq, invocation_id AS run, loaded_at AS "at"
            FROM attempts
            UNION ALL
            SELECT a.file_key, a.table_name, 'task', 2, a.attempt, 'task run ' || CAST(t.run_id AS VARCHAR), t.kind,
                   LEAST(t.to_seq, a.last_seq) - GREATEST(t.from_seq, a.first_seq - 1), NULL, t.from_seq + 1, t.to_seq,
                   t.invocation_id, t.finished_at
            FROM attempts a JOIN task_run t ON t.table_name = a.table_name AND t.from_seq < a.last_seq AND t.to_seq >= a.first_seq
            UNION ALL
            SELECT a.file_key, a.table_name, 'task', 3, a.attempt, 'not applied yet', 'WAITING',
                   a.last_seq - GREATEST(s.offset_seq, a.first_seq - 1), NULL, GREATEST(s.offset_seq + 1, a.first_seq), a.last_seq,
                   NULL, NULL
            FROM attempts a JOIN stream_offset s ON s.table_name = a.table_name AND s.offset_seq < a.last_seq)
        SELECT k.file_key, k."table", k.stage, k.attempt, k.item, k.status, k."rows", k.rejected, k.first_seq, k.last_seq, k.run, k."at"
        FROM chain k JOIN firsts f ON f.file_key = k.file_key
        ORDER BY f.since, k.file_key, k.attempt, k.step, k.first_seq
        """;
}
