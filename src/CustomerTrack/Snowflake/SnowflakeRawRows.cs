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
            .Append(("\"_SCAN_TIME\"", "TIMESTAMP_LTZ"))
            .Concat(LandsRecord ? [(Record, "VARIANT")] : []);

    /// <summary>The raw column that holds the whole record when <see cref="LandsRecord"/>.</summary>
    public const string Record = "\"_RECORD\"";

    /// <summary>
    /// SchemaEvolution add on NDJSON or Parquet: the pipe lands each record whole, as one VARIANT (<see cref="Record"/>),
    /// by a COPY transformation, instead of matching columns by name. No column then gets a type Snowflake infers, so no
    /// value can make its row a load error: the procedure reads the definition's columns (ignoring case, as our readers
    /// match names) and the evolved ones as text from the record. CSV has no such way (a transformation reads CSV fields
    /// by position only), so a CSV table keeps Snowflake's own schema evolution, with its inferred types.
    /// </summary>
    public bool LandsRecord => _table.SchemaEvolution == SchemaEvolution.Add && _table.Format != FileFormat.Csv;

    /// <summary>The names the definition gives the file's fields (as the files name them), upper case: what is not an evolved column.</summary>
    public IEnumerable<string> FileFieldNames() =>
        FeedColumns().Select(c => (_table.Rename.FirstOrDefault(r => r.Value == c).Key ?? c).ToUpperInvariant());

    /// <summary>
    /// The value of <c>_EVOLVED</c> for a landed record (alias <paramref name="from"/>): as a JSON object of text, each
    /// field the definition does not name whose name could be a column (letters, digits, underscore, at most 63, not a
    /// column of the SCD tables: our engines leave the others unknown), upper case as our names are, with its value as
    /// text; a JSON null or empty text is left out, as a missing field is; sorted by name, so one set of values is one
    /// text. NULL when there is none, or the record is no object. The value is read as text from the VARIANT, whatever
    /// its JSON or Parquet type: a number in one file and text in the next is a change of value, never a load error.
    /// </summary>
    public string RecordEvolved(string from)
    {
        var record = $"{from}.{Record}";
        var named = FileFieldNames()
            .Concat(_scd.LedgerColumns.Concat(_scd.VersionColumns).Concat(_scd.HistoryColumns).Concat(_scd.CurrentColumns).Select(c => c.Name.ToUpperInvariant()))
            .Append("_RECORD")
            .Distinct(StringComparer.Ordinal)
            .Select(SnowflakeNames.Literal);
        var fields = $$"""
            FILTER(OBJECT_KEYS({{record}}), k -> UPPER(k::VARCHAR) RLIKE '[A-Z][A-Z0-9_]{0,62}'
                           AND UPPER(k::VARCHAR) NOT IN ({{string.Join(", ", named)}})
                           AND NULLIF(STRIP_NULL_VALUE(GET({{record}}, k::VARCHAR))::VARCHAR, '') IS NOT NULL)
            """;
        return $$"""
            CASE WHEN IS_OBJECT({{record}}) THEN NULLIF(TO_VARCHAR(REDUCE(
                   ARRAY_SORT(TRANSFORM({{fields}}, k -> UPPER(k::VARCHAR))),
                   OBJECT_CONSTRUCT(),
                   (acc, k) -> OBJECT_INSERT(acc, k::VARCHAR, STRIP_NULL_VALUE(GET_IGNORE_CASE({{record}}, k::VARCHAR))::VARCHAR, TRUE))), '{}') END
            """;
    }

    /// <summary>A definition column's value from the landed record, as text: its field matched ignoring case, a JSON null as NULL.</summary>
    private string FromRecord(string from, string column)
    {
        var field = _table.Rename.FirstOrDefault(r => r.Value == column).Key ?? column;
        return $"CASE WHEN {from}.{Record} IS NULL THEN {from}.{RawName(column)} " +
            $"WHEN IS_OBJECT({from}.{Record}) THEN STRIP_NULL_VALUE(GET_IGNORE_CASE({from}.{Record}, {SnowflakeNames.Literal(field)}))::VARCHAR END";
    }

    /// <summary>One check a raw row must pass to enter the typed ledger: the column, its raw value, the test, and why it fails.</summary>
    private sealed record Check(string Column, string Raw, string Valid, string Reason);

    /// <summary>
    /// A raw column's value as our readers take it: empty text is NULL, and so is blank text in a key or a typed column
    /// (a text attribute keeps its spaces). The CSV format loads an empty field as '' (EMPTY_FIELD_AS_NULL = FALSE), so a
    /// NULL in the raw table means the field was not in the record at all (see <see cref="Ragged"/>).
    /// </summary>
    private string Value(string column, ColumnType type, bool blankIsNull = false)
    {
        var raw = "r." + RawName(column);
        return type.Kind == ColumnKind.String && !blankIsNull ? $"NULLIF({raw}, '')" : $"CASE WHEN TRIM({raw}) = '' THEN NULL ELSE {raw} END";
    }

    /// <summary>
    /// CSV only: the record has fewer fields than its file's header. Snowflake loads such a record with NULLs
    /// (ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE, which INCLUDE_METADATA needs), where our readers reject it. An empty field
    /// loads as '', so a NULL is a missing field, unless the column is missing from the file's header, when every record
    /// of the file has it NULL: a record is ragged when a column is NULL in it and not NULL in another record of its file.
    /// A file is loaded by one COPY, so its records come in one batch of the stream. Null for other formats (a JSON object
    /// without a key, a Parquet NULL, is a NULL value there as on our engines).
    /// </summary>
    private string? Ragged(string from) => _table.Format != FileFormat.Csv
        ? null
        : string.Join("\n          OR ", FeedColumns().Select(c =>
            $"({from}.{RawName(c)} IS NULL AND count({from}.{RawName(c)}) OVER (PARTITION BY {from}.\"_FILE\") > 0)"));

    /// <summary>The rows of <paramref name="source"/> (the stream or the raw table) with the column "_RAGGED" added, as <c>r</c>.</summary>
    /// <remarks>
    /// When the record is landed whole, each definition column is read from it (<c>* REPLACE</c>); a raw row loaded
    /// before (by name, when the table was <c>ignore</c>) has no record and keeps its columns.
    /// </remarks>
    public string Rows(string source, string? where = null)
    {
        var star = LandsRecord
            ? $"s.* REPLACE ({string.Join(", ", FeedColumns().Select(c => $"{FromRecord("s", c)} AS {RawName(c)}"))})"
            : "s.*";
        return $"(SELECT {star}, {Ragged("s") ?? "FALSE"} AS \"_RAGGED\"\n      FROM {source} AS s{(where is null ? "" : " WHERE " + where)}) AS r";
    }

    private IEnumerable<Check> Checks()
    {
        if (_table.Format == FileFormat.Csv)
        {
            yield return new Check("", "NULL", "NOT r.\"_RAGGED\"", "'has fewer fields than the header'");
        }

        if (LandsRecord)
        {
            // Our readers reject a record that is no object, and one naming a field twice in two cases (no name_1 column).
            var keys = $"OBJECT_KEYS(r.{Record})";
            yield return new Check("", $"TO_VARCHAR(r.{Record})",
                $"(r.{Record} IS NULL OR (IS_OBJECT(r.{Record}) AND ARRAY_SIZE({keys}) = ARRAY_SIZE(ARRAY_DISTINCT(TRANSFORM({keys}, k -> UPPER(k::VARCHAR))))))",
                $"CASE WHEN IS_OBJECT(r.{Record}) THEN 'names a column twice (in another case)' ELSE 'is not an object' END");
        }

        foreach (var k in _table.Key)
        {
            var raw = Value(k.Name, k.Type, blankIsNull: true);
            yield return new Check(k.Name, raw, $"{SnowflakeTypes.Typed(k.Type, raw)} IS NOT NULL",
                $"CASE WHEN {raw} IS NULL THEN 'is empty, and the key is required' ELSE 'is not of type {k.Type}' END");
        }

        if (_table.EventTime is { } et)
        {
            var raw = Value(et, ColumnType.Timestamp);
            yield return new Check(et, raw, $"({raw} IS NULL OR {SnowflakeTypes.Typed(ColumnType.Timestamp, raw)} IS NOT NULL)",
                "'is not an ISO 8601 timestamp'");
        }

        if (_table.Op is { } op)
        {
            var raw = Value(op.Column, ColumnType.String, blankIsNull: true);
            var values = string.Join(", ", op.Values.Keys.Select(v => SnowflakeNames.Literal(v.ToUpperInvariant())));
            yield return new Check(op.Column, raw, $"({raw} IS NULL OR UPPER(TRIM({raw})) IN ({values}))",
                SnowflakeNames.Literal($"is not one of {op.Described}"));
        }

        foreach (var a in _table.Attributes.Where(a => a.Type.Kind != ColumnKind.String))
        {
            var raw = Value(a.Name, a.Type);
            yield return new Check(a.Name, raw, $"({raw} IS NULL OR {SnowflakeTypes.Typed(a.Type, raw)} IS NOT NULL)", $"'is not of type {a.Type}'");
        }
    }

    private string Valid(string indent) => string.Join($"\n{indent}AND ", Checks().Select(c => c.Valid));

    /// <summary>
    /// The record's position as Snowflake gives it: METADATA$FILE_ROW_NUMBER, the record's number in its file (1 = the
    /// first record after a CSV header, the first object of an NDJSON file, the first Parquet row). Our load_rejects
    /// give the line; Snowflake gives loaded rows none. It is the line only for Parquet (whose "line" is the row number
    /// on our engines too); a CSV record after a multi-line quoted field, or an NDJSON object after a blank line, is on
    /// a later line than its number says, so for those formats LINE is NULL and RECORD says which record it is.
    /// </summary>
    private string Line(string row) => _table.Format == FileFormat.Parquet ? row : "CAST(NULL AS NUMBER)";

    /// <summary>The raw stream's rows, typed, into _ct_new (Snowflake only; the statements after it are the portable ones).</summary>
    public string TypeBatch()
    {
        string Sequence()
        {
            // A feed without event time (or a row without one) is sequenced by load: scan time plus the record's number in
            // microseconds (the order of the records in the file, whatever lines they span).
            var byLoad = "DATEADD(MICROSECOND, r.\"_ROW\", CONVERT_TIMEZONE('UTC', r.\"_SCAN_TIME\")::TIMESTAMP_NTZ)";
            return _table.EventTime is { } et
                ? $"coalesce({SnowflakeTypes.Typed(ColumnType.Timestamp, Value(et, ColumnType.Timestamp))}, {byLoad})"
                : byLoad;
        }

        var isDelete = _table.Op is { } op && op.Values.Any(v => v.Value == ChangeKind.Delete)
            ? $"coalesce(UPPER(TRIM(r.{RawName(op.Column)})) IN ({string.Join(", ", op.Values.Where(v => v.Value == ChangeKind.Delete).Select(v => SnowflakeNames.Literal(v.Key.ToUpperInvariant())))}), FALSE)"
            : "FALSE";
        var typed = _table.Key.Select(k => SnowflakeTypes.Typed(k.Type, Value(k.Name, k.Type, blankIsNull: true)))
            .Append(Sequence())
            .Append(isDelete)
            .Concat(_table.Attributes.Select(a => SnowflakeTypes.Typed(a.Type, Value(a.Name, a.Type))))
            .Concat(_table.SchemaEvolution != SchemaEvolution.Add ? []
                : LandsRecord ? [RecordEvolved("r")]
                : [SnowflakeEvolution.EvolvedValue(RawColumnNames().Append("_RAGGED"))])
            .Append("CONVERT_TIMEZONE('UTC', r.\"_SCAN_TIME\")::TIMESTAMP_NTZ")
            .Append("r.\"_FILE\"")
            .Append("r.\"_ROW\"");
        return $"""
            INSERT INTO {_n.New} ({string.Join(", ", _scd.LedgerColumns.Select(c => c.Quoted))})
            SELECT {string.Join(",\n       ", typed)}
            FROM {Rows(_n.Stream, "s.METADATA$ACTION = 'INSERT'")}
            WHERE {Valid("  ")}
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
            SELECT r."_FILE" AS "FILE_KEY", {Line("r.\"_ROW\"")} AS "LINE", r."_ROW" AS "RECORD",
                   {field} AS "FIELD",
                   {reason} AS "REASON",
                   {raw} AS "RAW",
                   r."_SCAN_TIME" AS "REJECTED_AT"
            FROM {Rows(_n.Raw)}
            WHERE NOT ({Valid("     ")})
            UNION ALL
            SELECT "FILE", "ROW_START_LINE", "ROW_NUMBER", "COLUMN_NAME", "ERROR", "REJECTED_RECORD", CURRENT_TIMESTAMP()
            FROM TABLE({_n.Database}.INFORMATION_SCHEMA.VALIDATE_PIPE_LOAD(
                PIPE_NAME => {SnowflakeNames.Literal(_n.Text("_pipe"))},
                START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP())))
            """;
    }
}
