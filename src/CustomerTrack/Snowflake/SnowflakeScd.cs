using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>A column of a table the plan makes: a name (quoted upper case) and a type.</summary>
internal sealed record PlanColumn(string Name, ColumnType Type)
{
    public string Quoted => SnowflakeNames.Quote(Name);
}

/// <summary>
/// The SCD step of docs/semantics.md for one table, as the statements the Snowflake procedure runs in one transaction
/// after it has typed the stream's rows into <c>_ct_new</c>. They are written in the SQL Snowflake and DuckDB both take
/// (window functions with explicit frames, QUALIFY-free subqueries, <c>IS DISTINCT FROM</c>, CAST, DELETE … USING, MERGE
/// with conditions, no named windows, no engine-only aggregates), so the semantic tests run them, verbatim, on DuckDB.
/// <para>
/// Every key the batch touches has its history recomputed from all its ledger rows in event-time order: late changes
/// are spliced, deletes stay deleted against older changes, and of two different changes with one key and event time
/// the one loaded last wins. Snowflake promises no load order and its sequences are NOORDER, so "loaded last" is decided
/// by (scan time, file, row), and a change loaded again counts from its first load. Intervals are half-open:
/// a version is valid for <c>start_time &lt;= t &lt; end_time</c>.
/// </para>
/// </summary>
internal sealed class SnowflakeScd
{
    public static readonly DateTime OpenEnd = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    private readonly TableDefinition _table;
    private readonly SnowflakeNames _names;
    private readonly PlanColumn[] _keys;
    private readonly PlanColumn[] _attrs;
    private readonly PlanColumn[] _tracked;
    private readonly PlanColumn[] _untracked;

    public SnowflakeScd(TableDefinition table, SnowflakeNames names)
    {
        _table = table;
        _names = names;
        _keys = table.Key.Select(c => new PlanColumn(c.Name, c.Type)).ToArray();
        // SchemaEvolution add: the columns files bring travel as one tracked text attribute (SnowflakeEvolution).
        PlanColumn[] evolved = table.SchemaEvolution == SchemaEvolution.Add ? [SnowflakeEvolution.Evolved] : [];
        _attrs = [.. table.Attributes.Select(c => new PlanColumn(c.Name, c.Type)), .. evolved];
        _tracked = [.. table.Tracked.Select(c => new PlanColumn(c.Name, c.Type)), .. evolved];
        _untracked = table.Untracked.Select(c => new PlanColumn(c.Name, c.Type)).ToArray();
    }

    public IReadOnlyList<PlanColumn> KeyColumns => _keys;

    /// <summary>The typed ledger (and <c>_ct_new</c>, one batch of it): valid rows only, as loaded.</summary>
    public IReadOnlyList<PlanColumn> LedgerColumns =>
    [
        .. _keys, new("_ts", ColumnType.Timestamp), new("_is_del", ColumnType.Bool), .. _attrs,
        new("_scan_time", ColumnType.Timestamp), new("_file", ColumnType.String), new("_row", ColumnType.Int64),
    ];

    public IReadOnlyList<PlanColumn> CurrentColumns => [.. _keys, .. _attrs, new("update_timestamp", ColumnType.Timestamp)];

    public IReadOnlyList<PlanColumn> HistoryColumns =>
    [
        .. _keys, .. _attrs, new("start_time", ColumnType.Timestamp), new("end_time", ColumnType.Timestamp),
        new("is_current", ColumnType.Bool), new("is_deleted", ColumnType.Bool),
    ];

    public IReadOnlyList<PlanColumn> VersionColumns => [.. HistoryColumns, new("last_ts", ColumnType.Timestamp)];

    private static string List(IEnumerable<PlanColumn> columns, string prefix = "") => string.Join(", ", columns.Select(c => prefix + c.Quoted));

    private string KeyList(string prefix = "") => List(_keys, prefix);

    private string KeysMatch(string left, string right) => string.Join(" AND ", _keys.Select(k => $"{left}.{k.Quoted} = {right}.{k.Quoted}"));

    private string Window(string extra = "", string order = "\"_TS\"") =>
        $"PARTITION BY {KeyList()}{extra} ORDER BY {order}";

    private const string Running = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";
    private const string Whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";

    /// <summary>The statements, in order. The procedure runs them between typing the batch and COMMIT.</summary>
    public IReadOnlyList<string> Statements() =>
    [
        $"INSERT INTO {_names.Ledger} ({List(LedgerColumns)}) SELECT {List(LedgerColumns)} FROM {_names.New}",
        $"DELETE FROM {_names.Keys}",
        $"INSERT INTO {_names.Keys} ({KeyList()}) SELECT DISTINCT {KeyList()} FROM {_names.New}",
        $"DELETE FROM {_names.Versions}",
        ComputeVersions(),
        $"DELETE FROM {_names.History} AS h USING {_names.Keys} AS k WHERE {KeysMatch("h", "k")}",
        $"""
        INSERT INTO {_names.History} ({List(HistoryColumns)})
        SELECT {List(HistoryColumns)} FROM {_names.Versions}{(_table.Scd.DeleteMode == DeleteMode.TombstoneRow ? "" : " WHERE NOT \"IS_DELETED\"")}
        """,
        Merge(),
    ];

    private string ComputeVersions()
    {
        var a = List(_attrs);
        var sep = _attrs.Length > 0 ? ", " : "";
        string Nulled(PlanColumn c) => $"CASE WHEN \"_IS_DEL\" THEN NULL ELSE {c.Quoted} END";

        // A NULL means "unchanged" (IgnoreNullUpdates): carry the last non-NULL value forward, never across a delete
        // (_LIFE counts the deletes so far). The running count of non-NULL values numbers runs that each begin with the
        // value to carry, so the run's first value is the one.
        var ignoreNulls = _table.Scd.IgnoreNullUpdates && _attrs.Length > 0;
        var counted = ignoreNulls
            ? ",\n           " + string.Join(",\n           ", _attrs.Select((c, i) =>
                $"count({c.Quoted}) OVER ({Window(", \"_LIFE\"")} {Running}) AS \"_N{i}\""))
            : "";
        var filled = ignoreNulls
            ? string.Join(",\n           ", _attrs.Select((c, i) =>
                $"CASE WHEN \"_IS_DEL\" THEN NULL ELSE first_value({c.Quoted}) OVER ({Window($", \"_LIFE\", \"_N{i}\"")} {Whole}) END AS {c.Quoted}"))
            : a;

        var lag = $"OVER ({Window()})";
        var changed = _tracked.Length == 0
            ? "FALSE"
            : string.Join(" OR ", _tracked.Select(c => $"{c.Quoted} IS DISTINCT FROM lag({c.Quoted}) {lag}"));

        // Tracked attributes are equal across a version; an untracked one takes the value of the version's latest change.
        var stamped = string.Join("", _attrs.Select(c => ",\n           " + (_untracked.Contains(c)
            ? $"last_value({c.Quoted}) OVER ({Window(", \"_GRP\"")} {Whole}) AS {c.Quoted}"
            : c.Quoted)));

        return $"""
            INSERT INTO {_names.Versions} ({List(VersionColumns)})
            WITH loaded AS (
                SELECT l.*, row_number() OVER (ORDER BY l."_SCAN_TIME", l."_FILE", l."_ROW") AS "_SEQ"
                FROM {_names.Ledger} AS l JOIN {_names.Keys} AS k ON {KeysMatch("l", "k")}
            ),
            changes AS (
                -- A change is what a row does: upsert these values (INSERT, UPDATE, UPSERT alike) or delete; loaded twice, it counts from its first load.
                SELECT {KeyList()}, "_TS", "_IS_DEL"{sep}{string.Join(", ", _attrs.Select(c => $"{Nulled(c)} AS {c.Quoted}"))}, min("_SEQ") AS "_FIRST_SEQ"
                FROM loaded
                GROUP BY {KeyList()}, "_TS", "_IS_DEL"{sep}{string.Join(", ", _attrs.Select(Nulled))}
            ),
            src AS (
                -- Two different changes with one key and event time (a tie): the one loaded last wins.
                SELECT {KeyList()}, "_TS", "_IS_DEL"{sep}{a}
                FROM (SELECT c.*, row_number() OVER (PARTITION BY {KeyList()}, "_TS" ORDER BY "_FIRST_SEQ" DESC) AS "_TIE_RANK" FROM changes AS c) AS ranked
                WHERE "_TIE_RANK" = 1
            ),
            lived AS (
                SELECT src.*, sum(CASE WHEN "_IS_DEL" THEN 1 ELSE 0 END) OVER ({Window()} {Running}) AS "_LIFE"
                FROM src
            ),
            counted AS (
                SELECT lived.*{counted}
                FROM lived
            ),
            filled AS (
                SELECT {KeyList()}, "_TS", "_IS_DEL"{sep}{filled}
                FROM counted
            ),
            flagged AS (
                SELECT filled.*,
                       CASE
                           WHEN lag("_TS") {lag} IS NULL THEN TRUE
                           WHEN "_IS_DEL" THEN NOT lag("_IS_DEL") {lag}
                           WHEN lag("_IS_DEL") {lag} THEN TRUE
                           ELSE {changed}
                       END AS "_IS_NEW"
                FROM filled
            ),
            grouped AS (
                SELECT flagged.*, sum(CASE WHEN "_IS_NEW" THEN 1 ELSE 0 END) OVER ({Window()} {Running}) AS "_GRP"
                FROM flagged
            ),
            stamped AS (
                SELECT {KeyList()}, "_GRP",
                       row_number() OVER ({Window(", \"_GRP\"")}) AS "_RN",
                       min("_TS") OVER (PARTITION BY {KeyList()}, "_GRP") AS "START_TIME",
                       max("_TS") OVER (PARTITION BY {KeyList()}, "_GRP") AS "LAST_TS",
                       max(CASE WHEN "_IS_DEL" THEN 1 ELSE 0 END) OVER (PARTITION BY {KeyList()}, "_GRP") AS "_DEL"{stamped}
                FROM grouped
            ),
            versions AS (
                SELECT * FROM stamped WHERE "_RN" = 1
            )
            SELECT {KeyList()}{sep}{a}, "START_TIME",
                   coalesce(lead("START_TIME") OVER ({Window(order: "\"START_TIME\"")}), CAST('9999-12-31 00:00:00' AS TIMESTAMP_NTZ)) AS "END_TIME",
                   lead("START_TIME") OVER ({Window(order: "\"START_TIME\"")}) IS NULL AS "IS_CURRENT",
                   "_DEL" = 1 AS "IS_DELETED",
                   "LAST_TS"
            FROM versions
            """;
    }

    /// <summary>
    /// The MERGE's source: one row per batch key, its live current version, or a row marked gone when it has none.
    /// Snowflake raises "Duplicate row detected" when two source rows meet one target row (DuckDB quietly picks one),
    /// so this must hold one row per key; the tests assert it.
    /// </summary>
    public string MergeSource => $"""
        SELECT {KeyList("k.")}{(_attrs.Length > 0 ? ", " : "")}{List(_attrs, "v.")}, v."LAST_TS", v."LAST_TS" IS NULL AS "_GONE"
        FROM {_names.Keys} AS k LEFT JOIN {_names.Versions} AS v ON {KeysMatch("v", "k")} AND v."IS_CURRENT" AND NOT v."IS_DELETED"
        """;

    private string Merge()
    {
        var set = string.Join(", ", _attrs.Select(c => $"{c.Quoted} = s.{c.Quoted}").Append("\"UPDATE_TIMESTAMP\" = s.\"LAST_TS\""));
        return $"""
            MERGE INTO {_names.Current} AS c
            USING (
            {MergeSource}
            ) AS s
            ON {KeysMatch("c", "s")}
            WHEN MATCHED AND s."_GONE" THEN DELETE
            WHEN MATCHED THEN UPDATE SET {set}
            WHEN NOT MATCHED AND NOT s."_GONE" THEN INSERT ({List(CurrentColumns)}) VALUES ({List(_keys, "s.")}{(_attrs.Length > 0 ? ", " : "")}{List(_attrs, "s.")}, s."LAST_TS")
            """;
    }
}
