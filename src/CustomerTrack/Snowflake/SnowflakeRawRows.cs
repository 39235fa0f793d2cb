using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>
/// The raw rows of one table on Snowflake: the raw table's text columns (named as the files name them), the checks a
/// row must pass to enter the typed ledger, the procedure's typing of the stream's rows (Snowflake-only SQL, unlike the
/// SCD statements), and the view of the rows that fail, shaped like our load_rejects.
/// </summary>
internal sealed class SnowflakeRawRows(TableDefinition table, SnowflakeNames names, SnowflakeScd scd)
{
    private readonly TableDefinition _table = table;
    private readonly SnowflakeNames _n = names;
    private readonly SnowflakeScd _scd = scd;

    /// <summary>The raw table's column for a definition column: named as the files name it (Rename maps file names to ours).</summary>
    public string RawName(string column) =>
        _table.Rename.FirstOrDefault(r => r.Value == column).Key is { } fileName
            ? '"' + fileName.ToUpperInvariant().Replace("\"", "\"\"", StringComparison.Ordinal) + '"'
            : SnowflakeNames.Quote(column);

    /// <summary>The raw table's column names, unquoted, as INFORMATION_SCHEMA and OBJECT_CONSTRUCT(*) name them.</summary>
    public IEnumerable<string> RawColumnNames() =>
        FeedColumns().Select(c => _table.Rename.FirstOrDefault(r => r.Value == c).Key is { } fileName ? fileName.ToUpperInvariant() : c.ToUpperInvariant())
            .Concat(["_FILE", "_ROW", "_SCAN_TIME"]);

    /// <summary>The feed's columns as the raw table holds them: the key, the event time, the op, then the attributes.</summary>
    private IEnumerable<string> FeedColumns() =>
        _table.Key.Select(c => c.Name)
            .Concat(_table.EventTime is { } et ? [et] : [])
            .Concat(_table.Op is { } op ? [op.Column] : [])
            .Concat(_table.Attributes.Select(c => c.Name));

    public IEnumerable<(string Quoted, string Type)> RawColumns() =>
        FeedColumns().Select(c => (RawName(c), "VARCHAR"))
            .Append(("\"_FILE\"", "VARCHAR"))
            .Append(("\"_ROW\"", "NUMBER(19,0)"))
            .Append(("\"_SCAN_TIME\"", "TIMESTAMP_LTZ"));

    /// <summary>One check a raw row must pass to enter the typed ledger: the column, its raw value, the test, and why it fails.</summary>
    private sealed record Check(string Column, string Raw, string Valid, string Reason);

    private IEnumerable<Check> Checks()
    {
        foreach (var k in _table.Key)
        {
            var raw = "r." + RawName(k.Name);
            yield return new Check(k.Name, raw, $"{SnowflakeTypes.Typed(k.Type, raw)} IS NOT NULL",
                $"CASE WHEN {raw} IS NULL THEN 'is empty; the key is required' ELSE 'is not of type {k.Type}' END");
        }

        if (_table.EventTime is { } et)
        {
            var raw = "r." + RawName(et);
            yield return new Check(et, raw, $"({raw} IS NULL OR {SnowflakeTypes.Typed(ColumnType.Timestamp, raw)} IS NOT NULL)",
                "'is not an ISO 8601 timestamp'");
        }

        if (_table.Op is { } op)
        {
            var raw = "r." + RawName(op.Column);
            var values = string.Join(", ", op.Values.Keys.Select(v => SnowflakeNames.Literal(v.ToUpperInvariant())));
            yield return new Check(op.Column, raw, $"({raw} IS NULL OR TRIM({raw}) = '' OR UPPER(TRIM({raw})) IN ({values}))",
                SnowflakeNames.Literal($"is not one of {op.Described}"));
        }

        foreach (var a in _table.Attributes.Where(a => a.Type.Kind != ColumnKind.String))
        {
            var raw = "r." + RawName(a.Name);
            yield return new Check(a.Name, raw, $"({raw} IS NULL OR {SnowflakeTypes.Typed(a.Type, raw)} IS NOT NULL)", $"'is not of type {a.Type}'");
        }
    }

    private string Valid(string indent) => string.Join($"\n{indent}AND ", Checks().Select(c => c.Valid));

    /// <summary>The raw stream's rows, typed, into _ct_new (Snowflake only; the statements after it are the portable ones).</summary>
    public string TypeBatch()
    {
        string Sequence()
        {
            // A feed without event time (or a row without one) is sequenced by load: scan time plus line number in microseconds.
            var byLoad = "DATEADD(MICROSECOND, r.\"_ROW\" + 1, CONVERT_TIMEZONE('UTC', r.\"_SCAN_TIME\")::TIMESTAMP_NTZ)";
            return _table.EventTime is { } et
                ? $"coalesce({SnowflakeTypes.Typed(ColumnType.Timestamp, "r." + RawName(et))}, {byLoad})"
                : byLoad;
        }

        var isDelete = _table.Op is { } op && op.Values.Any(v => v.Value == ChangeKind.Delete)
            ? $"coalesce(UPPER(TRIM(r.{RawName(op.Column)})) IN ({string.Join(", ", op.Values.Where(v => v.Value == ChangeKind.Delete).Select(v => SnowflakeNames.Literal(v.Key.ToUpperInvariant())))}), FALSE)"
            : "FALSE";
        var typed = _table.Key.Select(k => SnowflakeTypes.Typed(k.Type, "r." + RawName(k.Name)))
            .Append(Sequence())
            .Append(isDelete)
            .Concat(_table.Attributes.Select(a => SnowflakeTypes.Typed(a.Type, "r." + RawName(a.Name))))
            .Concat(_table.SchemaEvolution == SchemaEvolution.Add ? [SnowflakeEvolution.EvolvedValue(RawColumnNames())] : [])
            .Append("CONVERT_TIMEZONE('UTC', r.\"_SCAN_TIME\")::TIMESTAMP_NTZ")
            .Append("r.\"_FILE\"")
            .Append("r.\"_ROW\"");
        return $"""
            INSERT INTO {_n.New} ({string.Join(", ", _scd.LedgerColumns.Select(c => c.Quoted))})
            SELECT {string.Join(",\n       ", typed)}
            FROM {_n.Stream} AS r
            WHERE r.METADATA$ACTION = 'INSERT'
              AND {Valid("  ")}
            """;
    }

    public string LoadRejects()
    {
        var checks = Checks().ToList();
        var field = "CASE " + string.Join(" ", checks.Select(c => $"WHEN NOT {c.Valid} THEN {SnowflakeNames.Literal(c.Column)}")) + " END";
        var reason = "CASE " + string.Join(" ", checks.Select(c => $"WHEN NOT {c.Valid} THEN {c.Reason}")) + " END";
        var raw = "CASE " + string.Join(" ", checks.Select(c => $"WHEN NOT {c.Valid} THEN {c.Raw}")) + " END";
        return $"""
            CREATE OR REPLACE VIEW {_n.LoadRejects} AS
            SELECT r."_FILE" AS "FILE_KEY", r."_ROW" + 1 AS "LINE",
                   {field} AS "FIELD",
                   {reason} AS "REASON",
                   {raw} AS "RAW",
                   r."_SCAN_TIME" AS "REJECTED_AT"
            FROM {_n.Raw} AS r
            WHERE NOT ({Valid("     ")})
            UNION ALL
            SELECT "FILE", "LINE", "COLUMN_NAME", "ERROR", "REJECTED_RECORD", CURRENT_TIMESTAMP()
            FROM TABLE({_n.Database}.INFORMATION_SCHEMA.VALIDATE_PIPE_LOAD(
                PIPE_NAME => {SnowflakeNames.Literal(_n.Text("_pipe"))},
                START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP())))
            """;
    }
}
