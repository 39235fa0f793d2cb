using CustomerTrack.Tables;

namespace CustomerTrack.Scd;

/// <summary>
/// One statement of the SCD plan: its SQL, the parameters it takes (each bound by name, <c>$name</c> in the SQL), and
/// the working table it creates, if any (an engine may want to analyse it).
/// </summary>
internal sealed record SqlStep(string Sql, IReadOnlyList<string> Parameters, string? Creates = null)
{
    public static SqlStep Plain(string sql) => new(sql, []);
}

/// <summary>
/// The set-based SCD step (docs/semantics.md) for one table definition, as a typed plan of statements per batch, the same on
/// every engine.
/// <para>
/// The history of every key a batch touches is recomputed from that key's ledger rows, ordered by event time. That one
/// rule gives late changes spliced into place, deletes that stay deleted against older changes, ties won by the change
/// loaded last (a change loaded again counts from its first load, so it changes nothing), and a rebuild equal to
/// incremental processing, because the result is a function of the set of ledger rows (and, for ties only, their load
/// order), never of how they were split or batched.
/// </para>
/// Intervals are half-open: a version is valid for <c>start_time &lt;= t &lt; end_time</c>. The plan's own columns start
/// with an underscore, which no definition's column may, so they never meet a user's name.
/// </summary>
internal sealed class ScdPlan
{
    public const string From = "from";
    public const string To = "to";
    public const string Offset = "offset";

    private readonly TableDefinition _table;
    private readonly Column[] _attributes;
    private readonly string _raw;
    private readonly string _current;
    private readonly string _history;
    private readonly string _state;
    private readonly string _seq;
    private readonly string _op;

    public ScdPlan(TableDefinition table)
    {
        _table = table;
        _attributes = [.. table.Attributes];
        _raw = Identifiers.Quote(table.RawTable);
        _current = Identifiers.Quote(table.CurrentTable);
        _history = Identifiers.Quote(table.HistoryTable);
        _state = Identifiers.Quote(table.StateTable);
        _seq = Identifiers.Quote(table.SequenceColumn);
        _op = Identifiers.Quote(table.OpColumn);
    }

    /// <summary>
    /// The batch's working tables, dropped before a batch (a crashed one may have left them) and after it. Their names
    /// start with an underscore, which no definition's name may, so dropping them can never touch a user's table.
    /// </summary>
    public static IReadOnlyList<string> Temporaries { get; } =
        ["_ct_versions", "_ct_tied", "_ct_dups", "_ct_slow", "_ct_known", "_ct_fast", "_ct_keys"];

    /// <summary>The key columns, each with <paramref name="prefix"/>.</summary>
    private string Keys(string prefix = "") => string.Join(", ", _table.Key.Select(k => prefix + k.Quoted));

    private string Attrs(string prefix = "") => string.Join(", ", _attributes.Select(a => prefix + a.Quoted));

    /// <summary>The attribute columns each with <paramref name="prefix"/> and a leading comma, or nothing for a key-only table.</summary>
    private string CommaAttrs(string prefix = "") => string.Concat(_attributes.Select(a => ", " + prefix + a.Quoted));

    /// <summary>The condition that <paramref name="left"/> and <paramref name="right"/> stand for the same key (keys are never NULL).</summary>
    private string SameKey(string left, string right) =>
        string.Join(" AND ", _table.Key.Select(k => $"{left}.{k.Quoted} = {right}.{k.Quoted}"));

    /// <summary>Rows of <paramref name="alias"/> whose key is in the working table <paramref name="keys"/>.</summary>
    private string KeyIn(string alias, string keys) => $"EXISTS (SELECT 1 FROM {keys} x WHERE {SameKey("x", alias)})";

    /// <summary>
    /// Fills <c>_ct_keys</c> with the keys whose ledger rows lie in (<c>$from</c>, <c>$to</c>] (all keys up to <c>$to</c>
    /// when <paramref name="all"/>, a rebuild), and splits them three ways by the table's keyed state
    /// (<see cref="TableDefinition.StateTable"/>: each applied key's current version start, latest change, and whether it
    /// is deleted), so that no step reads the whole ledger or the whole history:
    /// <list type="bullet">
    /// <item><c>_ct_fast</c>: the live keys whose batch rows all come after every change they had (the common, in-order
    /// case). A fast key's history is only extended: its current version, read from the current table (which holds that
    /// version's values) at the start the state records, stands in for everything before it, so its older ledger rows
    /// and closed versions are never read again.</item>
    /// <item>new keys, not in the state: all they have is in the batch, and they have no history yet.</item>
    /// <item><c>_ct_slow</c>: the rest (late changes to known keys, keys deleted before), whose whole ledger is read.</item>
    /// </list>
    /// The fast and new keys are read from the batch's ledger rows only, which lie together at the end of the ledger
    /// (<c>_seq</c> grows with insertion, so zone maps skip the rest). So a batch of in-order changes
    /// reads its own ledger rows, and the state and current table (one row a key), never the history or the older ledger.
    /// </summary>
    public IEnumerable<SqlStep> SelectKeys(bool all)
    {
        foreach (var temp in Temporaries)
        {
            yield return SqlStep.Plain($"DROP TABLE IF EXISTS {temp}");
        }

        yield return all
            ? new($"CREATE TEMP TABLE _ct_keys AS SELECT {Keys()}, min({_seq}) AS _min_ts, count(*) AS _rows FROM {_raw} WHERE _seq <= $to GROUP BY {Keys()}",
                [To], "_ct_keys")
            : new($"CREATE TEMP TABLE _ct_keys AS SELECT {Keys()}, min({_seq}) AS _min_ts, count(*) AS _rows FROM {_raw} WHERE _seq > $from AND _seq <= $to GROUP BY {Keys()}",
                [From, To], "_ct_keys");

        if (all)
        {
            // A rebuild reads every key's whole ledger.
            yield return new($"CREATE TEMP TABLE _ct_fast AS SELECT {Keys()}, CAST(NULL AS TIMESTAMP) AS _start FROM _ct_keys WHERE false", [], "_ct_fast");
            yield return new($"CREATE TEMP TABLE _ct_slow AS SELECT {Keys()} FROM _ct_keys", [], "_ct_slow");
        }
        else
        {
            // The batch keys the state knows: one equi-join with a table of one narrow row a key.
            yield return new($"""
                CREATE TEMP TABLE _ct_known AS
                SELECT {Keys("k.")}, k._min_ts, s._start, s._last, s._deleted
                FROM _ct_keys k JOIN {_state} s ON {SameKey("s", "k")}
                """, [], "_ct_known");

            // The state's _last is the key's latest change: a live key's batch wholly after it cannot reorder the past.
            yield return new($"CREATE TEMP TABLE _ct_fast AS SELECT {Keys()}, _start FROM _ct_known WHERE NOT _deleted AND _min_ts > _last",
                [], "_ct_fast");
            yield return new($"CREATE TEMP TABLE _ct_slow AS SELECT {Keys()} FROM _ct_known WHERE _deleted OR _last IS NULL OR _start IS NULL OR _min_ts <= _last",
                [], "_ct_slow");
        }

        // The batch's ledger rows are read three ways, each a scan of only the columns it needs: the (key, time) groups
        // that hold more than one row (rare: ties, and changes loaded again), the distinct changes of those few groups,
        // and (in the versions' pass, ChangesQuery) every other row as it is. Deduplicating every change by all its values was a hash aggregate over
        // the whole batch, and its tie rank a sort of it (2.9 s and a third of 9.1 s of a 1M-row batch).
        yield return new($"""
            CREATE TEMP TABLE _ct_dups AS
            SELECT {Keys()}, _ts FROM ({Rows(narrow: true)}) r
            GROUP BY {Keys()}, _ts
            HAVING count(*) > 1
            """, [From, To], "_ct_dups");
        yield return new($"""
            CREATE TEMP TABLE _ct_tied AS
            SELECT {Keys("r.")}, r._ts, r._is_del{CommaAttrs("r.")}, min(r._seq) AS _first_seq
            FROM ({Rows(narrow: false)}) r JOIN _ct_dups d ON {SameKey("d", "r")} AND d._ts = r._ts
            GROUP BY {Keys("r.")}, r._ts, r._is_del{CommaAttrs("r.")}
            """, [From, To], "_ct_tied");
    }

    /// <summary>
    /// The batch keys' changes, one a key and time: every ledger row of a (key, time) group of one row as it is, the
    /// winner of each tie (different changes with one key and sequence: the one loaded last wins), and each fast key's
    /// current version, which stands in for everything before it. Read once, by <see cref="ComputeVersions"/>, so it is a
    /// common table expression there rather than a table of its own: one copy of the batch's rows fewer.
    /// </summary>
    private string ChangesQuery() => $"""
        SELECT {Keys()}, _ts, _is_del{CommaAttrs()}, _seq AS _first_seq
        FROM ({Rows(narrow: false)}) r
        WHERE NOT EXISTS (SELECT 1 FROM _ct_dups d WHERE {SameKey("d", "r")} AND d._ts = r._ts)
        UNION ALL
        SELECT {Keys()}, _ts, _is_del{CommaAttrs()}, _first_seq
        FROM (
            SELECT *,
                   -- Different changes with one key and sequence (a tie): the one loaded last wins.
                   row_number() OVER (PARTITION BY {Keys()}, _ts ORDER BY _first_seq DESC) AS _tie_rank
            FROM _ct_tied) ranked
        WHERE _tie_rank = 1
        UNION ALL
        SELECT {Keys("x.")}, x._start AS _ts, false AS _is_del{CommaAttrs("c.")}, CAST(0 AS BIGINT) AS _first_seq
        FROM _ct_fast x JOIN {_current} c ON {SameKey("x", "c")}
        """;

    /// <summary>
    /// Counts the ties the batch brought: key-and-sequence groups holding two different changes, at least one of them
    /// first loaded in this batch. A change loaded again is not new, so no tie is counted twice. (A fast key's current
    /// version comes before all its batch rows, so it is never part of a tie.)
    /// </summary>
    public SqlStep CountTies(bool all) => new($"""
        SELECT count(*) FROM (
            SELECT {Keys()}, _ts FROM _ct_tied
            GROUP BY {Keys()}, _ts
            HAVING count(*) > 1 {(all ? "" : "AND max(_first_seq) > $from")}) AS tied
        """, all ? [] : [From]);

    /// <summary>
    /// The ledger rows the batch reads, as changes: a slow key's whole ledger up to <c>$to</c>, and every other row in
    /// (<c>$from</c>, <c>$to</c>], which lie together at the end of the ledger (<c>_seq</c> grows with insertion, so zone
    /// maps skip the rest). A change is what a row does: upsert these attribute values (INSERT, UPDATE and UPSERT alike),
    /// or delete (whatever attributes the row carries), so a delete's attributes read as NULL and the same change loaded
    /// twice is one change, which counts from its first load. <paramref name="narrow"/> reads the key and time only.
    /// </summary>
    private string Rows(bool narrow)
    {
        var values = narrow
            ? ""
            : $", r.{_op} = 'DELETE' AS _is_del" + string.Concat(_attributes.Select(a => $", CASE WHEN r.{_op} = 'DELETE' THEN NULL ELSE r.{a.Quoted} END AS {a.Quoted}"));
        return $"""
            SELECT {Keys("r.")}, r.{_seq} AS _ts, r._seq{values}
                FROM _ct_slow x JOIN {_raw} r ON {SameKey("x", "r")}
                WHERE r._seq <= $to
                UNION ALL
                SELECT {Keys("r.")}, r.{_seq} AS _ts, r._seq{values}
                FROM {_raw} r
                WHERE r._seq > $from AND r._seq <= $to AND NOT {KeyIn("r", "_ct_slow")}
            """;
    }

    /// <summary>An aggregate that gives the one value a group holds (PostgreSQL has no max or min of a boolean).</summary>
    private static string OneOf(Column a, string expression) =>
        a.Type.Kind == ColumnKind.Bool ? $"bool_or({expression})" : $"max({expression})";

    /// <summary>
    /// Computes every version (and every delete) of the batch's keys into <c>_ct_versions</c>, in two sorts of the
    /// batch's changes (one a key and time, ties resolved already) by key and time: one pass that marks each change that
    /// opens a version and each that closes one, and one over those marked rows that gives each version its end and its
    /// latest values.
    /// </summary>
    /// <remarks>
    /// A version is a run of changes: one opens where the key starts, where a delete follows a live change or a live change
    /// a delete, or where a tracked attribute differs from the change before. So a run is all deletes or all live
    /// changes, its tracked attributes are those of its first change, and its untracked attributes and its latest time
    /// are those of its last. Only the first and last changes of each run are kept after the marking pass; a version's
    /// values then come from its first row and the row after it (when that is its last), without grouping. (An earlier
    /// form grouped every change by version number, and took five sorts and a hash aggregate: 3.1 s of a 250k-row batch,
    /// against 1.2 s for this.)
    /// </remarks>
    public SqlStep ComputeVersions() =>
        new($"CREATE TEMP TABLE _ct_versions AS\n{VersionsQuery(ChangesQuery())}", [From, To], "_ct_versions");

    /// <summary>
    /// The query behind <see cref="ComputeVersions"/>, over the changes <paramref name="changes"/> selects: one row a key
    /// and time (ties resolved), with the key columns, <c>_ts</c>, <c>_is_del</c>, the attributes and <c>_first_seq</c>
    /// (0 for a version the current table holds already). A reader's history as known at a moment runs it over the
    /// ledger rows loaded by then, so both follow the same rules by construction.
    /// </summary>
    public string VersionsQuery(string changes)
    {
        var scd = _table.Scd;
        var keys = Keys();

        // Ignore-null feeds: a NULL means "unchanged", so carry the last non-NULL value forward, but never across a
        // delete (_life counts the deletes so far; a re-created key starts from nothing). Portable form of
        // last_value(… IGNORE NULLS): the running count of non-NULL values numbers runs that each begin with the
        // value to carry, so the run's only non-NULL value is its max.
        var lived = scd.IgnoreNullUpdates
            ? $",\n                   sum(CASE WHEN _is_del THEN 1 ELSE 0 END) OVER (PARTITION BY {keys} ORDER BY _ts ROWS UNBOUNDED PRECEDING) AS _life"
            : "";
        var carried = scd.IgnoreNullUpdates
            ? ",\n               " + string.Join(",\n               ", _attributes.Select((a, i) =>
                $"count({a.Quoted}) OVER (PARTITION BY {keys}, _life ORDER BY _ts ROWS UNBOUNDED PRECEDING) AS _n_{i}"))
            : "";
        var filled = scd.IgnoreNullUpdates
            ? string.Join(",\n               ", _attributes.Select((a, i) =>
                $"CASE WHEN _is_del THEN NULL ELSE {OneOf(a, a.Quoted)} OVER (PARTITION BY {keys}, _life, _n_{i}) END AS {a.Quoted}"))
            : Attrs();

        var tracked = _table.Tracked.ToArray();
        var untracked = _table.Untracked.ToArray();
        var opens = tracked.Length == 0
            ? "false"
            : string.Join(" OR ", tracked.Select(a => $"{a.Quoted} IS DISTINCT FROM lag({a.Quoted}) OVER w"));
        var nextOpens = tracked.Length == 0
            ? "false"
            : string.Join(" OR ", tracked.Select(a => $"lead({a.Quoted}) OVER w IS DISTINCT FROM {a.Quoted}"));

        // On a version's first row: its tracked values are the row's own, its untracked ones those of its last row.
        var versionAttrs = string.Join(",\n                   ", _attributes.Select(a => untracked.Contains(a)
            ? $"CASE WHEN _closes THEN {a.Quoted} ELSE lead({a.Quoted}) OVER v END AS {a.Quoted}"
            : a.Quoted));
        var separator = _attributes.Length == 0 ? "" : ",";

        return $"""
            WITH changes AS (
            {changes}
            ),
            src AS (
                SELECT {keys}, _ts, _is_del, _first_seq, _first_seq = 0 AS _stored{separator} {Attrs()}{lived}
                FROM changes
            ),
            counted AS (
                SELECT *{carried}
                FROM src
            ),
            filled AS (
                SELECT {keys}, _ts, _is_del, _first_seq, _stored{separator}
                       {filled}
                FROM counted
            ),
            marked AS (
                SELECT *,
                       CASE
                           WHEN lag(_ts) OVER w IS NULL THEN true
                           WHEN _is_del THEN NOT lag(_is_del) OVER w
                           WHEN lag(_is_del) OVER w THEN true
                           ELSE {opens}
                       END AS _opens,
                       CASE
                           WHEN lead(_ts) OVER w IS NULL THEN true
                           WHEN lead(_is_del) OVER w THEN NOT _is_del
                           WHEN _is_del THEN true
                           ELSE {nextOpens}
                       END AS _closes
                FROM filled
                WINDOW w AS (PARTITION BY {keys} ORDER BY _ts)
            ),
            bounds AS (
                SELECT {keys}, _ts AS start_time, _is_del AS is_deleted, _opens, _stored, _first_seq AS _opened_seq{separator}
                       {versionAttrs},
                       CASE WHEN _closes THEN _ts ELSE lead(_ts) OVER v END AS _last_ts,
                       CASE WHEN _closes THEN lead(_ts) OVER v ELSE lead(_ts, 2) OVER v END AS _next_start
                FROM marked
                WHERE _opens OR _closes
                WINDOW v AS (PARTITION BY {keys} ORDER BY _ts)
            )
            SELECT {keys}{separator} {Attrs()}, start_time,
                   coalesce(_next_start, TIMESTAMP '9999-12-31 00:00:00') AS end_time,
                   _next_start IS NULL AS is_current,
                   is_deleted, _last_ts, _stored, _opened_seq
            FROM bounds
            WHERE _opens
            """;
    }

    /// <summary>
    /// Fills the keyed state of a warehouse made before it existed, from the tables the task wrote: a live key gets its
    /// current version's start and latest change; every other key the applied ledger holds (up to <c>$offset</c>) is
    /// marked deleted, which only sends its next change down the path that reads its whole ledger, so the state can be
    /// wrong only on the safe side.
    /// </summary>
    public SqlStep FillState() => new($"""
        INSERT INTO {_state} ({Keys()}, _start, _last, _deleted)
        SELECT {Keys("k.")}, max(h.start_time), max(c.update_timestamp), max(c.update_timestamp) IS NULL OR max(h.start_time) IS NULL
        FROM (SELECT DISTINCT {Keys()} FROM {_raw} WHERE _seq <= $offset) k
        LEFT JOIN {_current} c ON {SameKey("c", "k")}
        LEFT JOIN {_history} h ON {SameKey("h", "k")} AND h.is_current AND NOT h.is_deleted
        GROUP BY {Keys("k.")}
        """, [Offset]);

    /// <summary>How many keys the batch touched.</summary>
    public static SqlStep CountKeys { get; } = SqlStep.Plain("SELECT count(*) FROM _ct_keys");

    /// <summary>
    /// How many of the table's ledger rows the batch read: one <c>_seq</c> numbers every table's ledger (and a rolled-back
    /// load leaves a gap), so the width of the range is not that count.
    /// </summary>
    public static SqlStep CountRows { get; } = SqlStep.Plain("SELECT CAST(coalesce(sum(_rows), 0) AS BIGINT) FROM _ct_keys");

    /// <summary>
    /// How many versions the batch opened: those whose first change was first loaded in this batch (every version, for a
    /// rebuild). A key's history is recomputed from older changes too (a late change, a file loaded again), and the
    /// versions those open are written again as they were, so a file sent twice opens none. A delete opens a version
    /// only as a tombstone row.
    /// </summary>
    public SqlStep CountVersions(bool all) => new($"""
        SELECT count(*) FROM _ct_versions
        WHERE {(_table.Scd.DeleteMode == DeleteMode.Close ? "NOT is_deleted" : "true")}{(all ? "" : " AND _opened_seq > $from")}
        """, all ? [] : [From]);

    /// <summary>A rebuild starts from empty SCD tables.</summary>
    public IEnumerable<SqlStep> Clear()
    {
        yield return SqlStep.Plain($"DELETE FROM {_history}");
        yield return SqlStep.Plain($"DELETE FROM {_current}");
        yield return SqlStep.Plain($"DELETE FROM {_state}");
    }

    /// <summary>Replaces the batch keys' history and current rows with the computed versions.</summary>
    /// <remarks>
    /// A slow key's history is replaced whole. A fast key's stored current version (<c>_stored</c> in
    /// <c>_ct_versions</c>: the version that opens at it) is deleted and written again with its new end, whether it is
    /// still current and its untracked values (the only things a later change can move), and the versions after it are
    /// appended. The task writes no UPDATE: DuckDB sizes a commit for its automatic checkpoint by the undo space the
    /// transaction used, and an UPDATE takes a vector's worth of it (2,048 values) for every vector it touches, so a few
    /// thousand in-order changes spread over a large history made every task commit a checkpoint: a 2,000-row batch on
    /// 2M rows of history committed in 92-114 ms against 7-9 ms on 20k, and over five minutes at 10k changes/s the
    /// task's commit took 310 ms at the median. A delete costs the undo space of its row ids, so a commit now
    /// checkpoints only when the WAL has grown past the threshold: that batch commits in 10-11 ms, the 5-minute feed's
    /// task commit 17 ms at the median (docs/benchmarks.md, round 3, fourth session). (Round 2 chose the UPDATE when a
    /// 250k-row batch's delete and insert cost a 3.1-7.2 s checkpoint; with DuckDB 1.5.6 a 1M-row batch of known keys
    /// commits in 53 ms this way, against 635 ms updating, and a backfill takes as long.) The deletes are a join
    /// (<c>USING</c>), not EXISTS: with the time condition DuckDB ran that as a mark join over the whole history, 80 ms
    /// against 17 ms on 2M rows. Slow keys are rare (late changes, keys deleted before), so their whole-history
    /// replacement stays.
    /// </remarks>
    public IEnumerable<SqlStep> Apply()
    {
        var keepDeletes = _table.Scd.DeleteMode == DeleteMode.TombstoneRow;
        var columns = _attributes.Length == 0 ? Keys() : $"{Keys()}, {Attrs()}";

        yield return SqlStep.Plain($"DELETE FROM {_history} WHERE {KeyIn(_history, "_ct_slow")}");
        yield return SqlStep.Plain($"""
            DELETE FROM {_history} USING _ct_versions v
            WHERE v._stored AND {_history}.is_current AND {SameKey(_history, "v")} AND {_history}.start_time = v.start_time
            """);
        yield return SqlStep.Plain($"""
            INSERT INTO {_history} ({columns}, start_time, end_time, is_current, is_deleted)
            SELECT {columns}, start_time, end_time, is_current, is_deleted
            FROM _ct_versions{(keepDeletes ? "" : " WHERE NOT is_deleted")}
            """);

        // Every batch key's row is deleted and the live ones inserted again. An upsert (ON CONFLICT DO UPDATE) or an
        // UPDATE would be the same rows, but DuckDB updates scattered rows in place, and the commit and checkpoint of those
        // updates grow with the table: on 5M customers a 100k-row batch took 9.4 s that way and 1.0 s as delete + insert.
        yield return SqlStep.Plain($"DELETE FROM {_current} WHERE {KeyIn(_current, "_ct_keys")}");
        yield return SqlStep.Plain($"""
            INSERT INTO {_current} ({columns}, update_timestamp)
            SELECT {columns}, _last_ts FROM _ct_versions WHERE is_current AND NOT is_deleted
            """);

        // The keyed state follows: each batch key's last version (live or deleted), its start and its latest change.
        yield return SqlStep.Plain($"DELETE FROM {_state} WHERE {KeyIn(_state, "_ct_keys")}");
        yield return SqlStep.Plain($"""
            INSERT INTO {_state} ({Keys()}, _start, _last, _deleted)
            SELECT {Keys()}, start_time, _last_ts, is_deleted FROM _ct_versions WHERE is_current
            """);
    }
}
