using CustomerTrack.Configuration;
using CustomerTrack.Contract;

namespace CustomerTrack.Scd;

/// <summary>
/// The set-based SCD step (DESIGN.md §5), as a handful of statements per batch.
/// <para>
/// The history of every customer a batch touches is recomputed from that customer's ledger rows, ordered by
/// event time. That one rule gives late changes spliced into place, deletes that stay deleted against older
/// changes, ties won by the change loaded last (a change loaded again counts from its first load, so it changes
/// nothing), and a rebuild equal to incremental processing, because the result is a function of the set of
/// ledger rows (and, for ties only, their load order), never of how they were split or batched.
/// </para>
/// Intervals are half-open: a version is valid for <c>start_time &lt;= t &lt; end_time</c>.
/// </summary>
internal sealed class ScdSql
{
    private readonly ScdSettings _settings;
    private readonly string[] _tracked;
    private readonly string[] _untracked;

    public ScdSql(ScdSettings settings)
    {
        _settings = settings;
        _tracked = Columns.Attributes.Where(a => !settings.TrackHistoryExcept.Contains(a)).ToArray();
        _untracked = Columns.Attributes.Where(a => settings.TrackHistoryExcept.Contains(a)).ToArray();
    }

    private static string Attrs(string prefix = "") => string.Join(", ", Columns.Attributes.Select(a => prefix + a));

    /// <summary>
    /// Fills <c>ct_keys</c> with the customers whose ledger rows lie in (<c>$from</c>, <c>$to</c>] (all customers up to
    /// <c>$to</c> when <paramref name="all"/>, a rebuild), and splits them: <c>ct_fast</c> holds the live customers whose
    /// batch rows all come after every change they had (the common, in-order case), <c>ct_slow</c> the rest.
    /// A fast customer's history is only extended: its current version stands in for everything before it, so its
    /// older ledger rows and closed versions are never read again. Only the batch's ledger rows are scanned for it,
    /// and they lie together at the end of the ledger (<c>_seq</c> grows with insertion, so zone maps skip the rest).
    /// </summary>
    public static IEnumerable<string> SelectKeys(bool all)
    {
        foreach (var temp in Temporaries)
        {
            yield return $"DROP TABLE IF EXISTS {temp}";
        }

        yield return all
            ? "CREATE TEMP TABLE ct_keys AS SELECT customer_id, min(updated_at) AS min_ts FROM customer_raw WHERE _seq <= $to GROUP BY customer_id"
            : "CREATE TEMP TABLE ct_keys AS SELECT customer_id, min(updated_at) AS min_ts FROM customer_raw WHERE _seq > $from AND _seq <= $to GROUP BY customer_id";

        // customer.update_timestamp is the latest change of a live customer: a batch wholly after it cannot reorder the past.
        yield return all
            ? "CREATE TEMP TABLE ct_fast AS SELECT customer_id FROM ct_keys WHERE false"
            : "CREATE TEMP TABLE ct_fast AS SELECT k.customer_id FROM ct_keys k JOIN customer c ON c.customer_id = k.customer_id WHERE k.min_ts > c.update_timestamp";
        yield return "CREATE TEMP TABLE ct_slow AS SELECT customer_id FROM ct_keys WHERE customer_id NOT IN (SELECT customer_id FROM ct_fast)";
        yield return $"""
            CREATE TEMP TABLE ct_changes AS
            {Changes("ct_slow", "r._seq <= $to")}
            UNION ALL
            {Changes("ct_fast", "r._seq > $from AND r._seq <= $to")}
            UNION ALL
            SELECT h.customer_id, h.start_time AS ts, false AS is_del, {Attrs("h.")}, CAST(0 AS BIGINT) AS first_seq
            FROM customer_history h
            WHERE h.is_current AND NOT h.is_deleted AND h.customer_id IN (SELECT customer_id FROM ct_fast)
            """;
    }

    /// <summary>The batch's working tables, dropped before a batch (a crashed one may have left them) and after it.</summary>
    public static IReadOnlyList<string> Temporaries { get; } = ["ct_versions", "ct_changes", "ct_slow", "ct_fast", "ct_keys"];

    /// <summary>
    /// Counts the ties the batch brought: key-and-sequence groups holding two different changes, at least one of them
    /// first loaded in this batch. A change loaded again is not new, so no tie is counted twice. (A fast customer's
    /// current version comes before all its batch rows, so it is never part of a tie.)
    /// </summary>
    public static string CountTies(bool all) => $"""
        SELECT count(*) FROM (
            SELECT customer_id, ts FROM ct_changes
            GROUP BY customer_id, ts
            HAVING count(*) > 1 {(all ? "" : "AND max(first_seq) > $from")}) AS tied
        """;

    /// <summary>
    /// The distinct changes of the given customers in the given ledger range, each with the <c>_seq</c> it was first loaded at.
    /// A change is what a row does: upsert these attribute values (INSERT, UPDATE and UPSERT alike), or delete (whatever
    /// attributes the row carries). So the same change loaded twice is one change, and it counts from its first load.
    /// </summary>
    private static string Changes(string keys, string range) => $"""
        SELECT r.customer_id, r.updated_at AS ts, r.op = 'DELETE' AS is_del,
               {string.Join(", ", Columns.Attributes.Select(a => $"CASE WHEN r.op = 'DELETE' THEN NULL ELSE r.{a} END AS {a}"))},
               min(r._seq) AS first_seq
        FROM customer_raw r
        WHERE {range} AND r.customer_id IN (SELECT customer_id FROM {keys})
        GROUP BY r.customer_id, r.updated_at, r.op = 'DELETE', {string.Join(", ", Columns.Attributes.Select(a => $"CASE WHEN r.op = 'DELETE' THEN NULL ELSE r.{a} END"))}
        """;

    /// <summary>Computes every version (and every delete) of the batch's customers into <c>ct_versions</c>.</summary>
    public string ComputeVersions()
    {
        // Ignore-null feeds: a NULL means "unchanged", so carry the last non-NULL value forward, but never across a
        // delete (life counts the deletes so far; a re-created customer starts from nothing). Portable form of
        // last_value(… IGNORE NULLS): the running count of non-NULL values numbers runs that each begin with the
        // value to carry, so the run's only non-NULL value is its max.
        var carried = _settings.IgnoreNullUpdates
            ? ",\n               " + string.Join(",\n               ", Columns.Attributes.Select(a => $"count({a}) OVER (PARTITION BY customer_id, life ORDER BY ts ROWS UNBOUNDED PRECEDING) AS n_{a}"))
            : "";
        var filled = _settings.IgnoreNullUpdates
            ? string.Join(",\n               ", Columns.Attributes.Select(a =>
                $"CASE WHEN is_del THEN NULL ELSE max({a}) OVER (PARTITION BY customer_id, life, n_{a}) END AS {a}"))
            : Attrs();

        var changed = _tracked.Length == 0
            ? "false"
            : string.Join(" OR ", _tracked.Select(a => $"{a} IS DISTINCT FROM lag({a}) OVER w"));

        // Tracked attributes are equal across a version (any aggregate gives the value); an untracked one takes the
        // value of the version's latest change.
        var latest = _untracked.Length == 0
            ? ""
            : ",\n               " + string.Join(",\n               ", _untracked.Select(a =>
                $"last_value({a}) OVER (PARTITION BY customer_id, grp ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS latest_{a}"));
        var versionAttrs = string.Join(",\n               ", Columns.Attributes.Select(a =>
            _untracked.Contains(a) ? $"min(latest_{a}) AS {a}" : $"min({a}) AS {a}"));

        return $"""
            CREATE TEMP TABLE ct_versions AS
            WITH src AS (
                SELECT customer_id, ts, is_del, {Attrs()}
                FROM (
                    SELECT *,
                           -- Different changes with one key and sequence (a tie): the one loaded last wins.
                           row_number() OVER (PARTITION BY customer_id, ts ORDER BY first_seq DESC) AS tie_rank
                    FROM ct_changes) ranked
                WHERE tie_rank = 1
            ),
            lived AS (
                SELECT *, sum(CASE WHEN is_del THEN 1 ELSE 0 END) OVER (PARTITION BY customer_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS life
                FROM src
            ),
            counted AS (
                SELECT *{carried}
                FROM lived
            ),
            filled AS (
                SELECT customer_id, ts, is_del,
                       {filled}
                FROM counted
            ),
            flagged AS (
                SELECT *,
                       CASE
                           WHEN lag(ts) OVER w IS NULL THEN true
                           WHEN is_del THEN NOT lag(is_del) OVER w
                           WHEN lag(is_del) OVER w THEN true
                           ELSE {changed}
                       END AS is_new
                FROM filled
                WINDOW w AS (PARTITION BY customer_id ORDER BY ts)
            ),
            grouped AS (
                SELECT *, sum(CASE WHEN is_new THEN 1 ELSE 0 END) OVER (PARTITION BY customer_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS grp
                FROM flagged
            ),
            stamped AS (
                SELECT *{latest}
                FROM grouped
            ),
            versions AS (
                SELECT customer_id, grp, min(ts) AS start_time, max(ts) AS last_ts, bool_or(is_del) AS is_deleted,
                       {versionAttrs}
                FROM stamped
                GROUP BY customer_id, grp
            )
            SELECT customer_id, {Attrs()}, start_time,
                   coalesce(lead(start_time) OVER v, TIMESTAMP '9999-12-31 00:00:00') AS end_time,
                   lead(start_time) OVER v IS NULL AS is_current,
                   is_deleted, last_ts
            FROM versions
            WINDOW v AS (PARTITION BY customer_id ORDER BY start_time)
            """;
    }

    /// <summary>Replaces the batch customers' history and current rows with the computed versions.</summary>
    public IEnumerable<string> Apply()
    {
        var keepDeletes = _settings.DeleteMode == "tombstone-row";
        // A slow customer's history is replaced whole; a fast one's only from its current version on (recomputed with the batch).
        yield return """
            DELETE FROM customer_history
            WHERE customer_id IN (SELECT customer_id FROM ct_slow) OR (is_current AND customer_id IN (SELECT customer_id FROM ct_fast))
            """;
        yield return $"""
            INSERT INTO customer_history (customer_id, {Attrs()}, start_time, end_time, is_current, is_deleted)
            SELECT customer_id, {Attrs()}, start_time, end_time, is_current, is_deleted
            FROM ct_versions {(keepDeletes ? "" : "WHERE NOT is_deleted")}
            """;
        // Every batch customer's row is deleted and the live ones inserted again. An upsert (ON CONFLICT DO UPDATE) or an
        // UPDATE would be the same rows, but DuckDB updates scattered rows in place, and the commit and checkpoint of those
        // updates grow with the table: on 5M customers a 100k-row batch took 9.4 s that way and 1.0 s as delete + insert.
        yield return "DELETE FROM customer WHERE customer_id IN (SELECT customer_id FROM ct_keys)";
        yield return $"""
            INSERT INTO customer (customer_id, {Attrs()}, update_timestamp)
            SELECT customer_id, {Attrs()}, last_ts FROM ct_versions WHERE is_current AND NOT is_deleted
            """;
    }
}
