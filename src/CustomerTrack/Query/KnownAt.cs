using CustomerTrack.Scd;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>
/// A table's history as the pipeline showed it at a moment (docs/semantics.md, rule 17): computed from the ledger rows
/// loaded at or before it, as one read-only statement both engines take.
/// <para>
/// A key none of whose rows was loaded after the moment, and none above the stream offset (rows the task has not applied
/// yet), has today's history: it is read from the history table. Only the other keys are recomputed, from their rows
/// loaded by then, with the task's own version statement (<see cref="ScdPlan.ComputeVersions"/>) as a common table
/// expression. So the answer costs what those keys cost, and it follows the SCD rules by construction.
/// </para>
/// </summary>
internal static class KnownAt
{
    /// <summary>The name under which <see cref="With"/> defines the history as it was known.</summary>
    public const string History = "_kn_history";

    /// <summary>
    /// A <c>WITH</c> clause that defines <see cref="History"/>: the rows of <paramref name="table"/>'s history table (every
    /// column of it) as known at <paramref name="at"/>, for the keys <paramref name="keyCondition"/> selects (all
    /// without one; the caller still filters by it). The moment and the stream's name are parameters added to <paramref name="args"/>.
    /// </summary>
    public static string With(TableDefinition table, DateTime at, string? keyCondition, QueryArgs args)
    {
        var sqlTimestamp = args.Timestamp(at, "known_at");
        var raw = Identifiers.Quote(table.RawTable);
        var keys = string.Join(", ", table.Key.Select(k => k.Quoted));
        var rKeys = string.Join(", ", table.Key.Select(k => "r." + k.Quoted));
        var op = "r." + Identifiers.Quote(table.OpColumn);
        var values = table.Attributes.Select(a => $"CASE WHEN {op} = 'DELETE' THEN NULL ELSE r.{a.Quoted} END").ToArray();
        var columns = string.Join(", ", table.Columns.Select(c => c.Quoted)) + ", start_time, end_time, is_current, is_deleted";
        var keptDeletes = table.Scd.DeleteMode == DeleteMode.TombstoneRow ? "" : " WHERE NOT is_deleted";

        return $"""
            WITH _kn_keys AS (
                SELECT DISTINCT {keys} FROM {raw}
                WHERE (_loaded_at > {sqlTimestamp} OR _seq > (SELECT offset_seq FROM stream_offset WHERE stream_name = {args.Text(table.StreamName, "stream")})){(keyCondition is null ? "" : " AND " + keyCondition)}
            ),
            _kn_distinct AS (
                SELECT {rKeys}, r.{Identifiers.Quote(table.SequenceColumn)} AS _ts, {op} = 'DELETE' AS _is_del{string.Concat(values.Select((v, i) => $", {v} AS {table.Attributes[i].Quoted}"))},
                       min(r._seq) AS _first_seq
                FROM _kn_keys x CROSS JOIN LATERAL (
                    -- Each key's rows through the ledger's key index: OFFSET 0 keeps PostgreSQL from flattening this
                    -- into a join it would plan from _kn_keys's estimate (a third of the ledger, for the OR above),
                    -- sorting the whole ledger; DuckDB decorrelates it into the join it was.
                    SELECT * FROM {raw} l WHERE {SameKey(table, "x", "l")} AND l._loaded_at <= {sqlTimestamp} OFFSET 0) r
                GROUP BY {rKeys}, r.{Identifiers.Quote(table.SequenceColumn)}, {op} = 'DELETE'{string.Concat(values.Select(v => ", " + v))}
            ),
            _kn_changes AS (
                SELECT {keys}, _ts, _is_del{string.Concat(table.Attributes.Select(a => ", " + a.Quoted))}, _first_seq
                FROM (
                    SELECT *,
                           -- Different changes with one key and sequence (a tie): the one loaded last wins.
                           row_number() OVER (PARTITION BY {keys}, _ts ORDER BY _first_seq DESC) AS _tie_rank
                    FROM _kn_distinct) ranked
                WHERE _tie_rank = 1
            ),
            _ct_versions AS (
            {new ScdPlan(table).VersionsQuery("SELECT * FROM _kn_changes")}
            ),
            {History} AS (
                SELECT {columns} FROM {Identifiers.Quote(table.HistoryTable)} h
                WHERE NOT EXISTS (SELECT 1 FROM _kn_keys x WHERE {SameKey(table, "x", "h")})
                UNION ALL
                SELECT {columns} FROM _ct_versions{keptDeletes}
            )

            """;
    }

    private static string SameKey(TableDefinition table, string left, string right) =>
        string.Join(" AND ", table.Key.Select(k => $"{left}.{k.Quoted} = {right}.{k.Quoted}"));
}
