using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>
/// <c>"SchemaEvolution": "add"</c> on Snowflake. NDJSON and Parquet land each record whole (<see
/// cref="SnowflakeRawRows.LandsRecord"/>): the procedure finds the evolved fields in the records, adds them to current
/// and history, fills them, and builds <c>_EVOLVED</c> from the record as text, so no type Snowflake infers can cost a
/// row. CSV is done the way Snowflake does it (docs: "Table schema evolution"), the only way for a CSV file. The
/// pipe's COPY matches columns by name (MATCH_BY_COLUMN_NAME; for CSV with PARSE_HEADER and
/// ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE, which the file format already sets), so with ENABLE_SCHEMA_EVOLUTION = TRUE
/// on the raw table Snowflake itself adds a column a file brings and loads it; the pipe's owner needs OWNERSHIP (the
/// deploying role has it) or EVOLVE SCHEMA on the raw table. The procedure carries such columns on:
/// <list type="number">
/// <item>before its transaction (DDL would commit it), every raw column the definition does not name is added to the
/// current and history tables as a nullable VARCHAR (<c>ALTER TABLE … ADD COLUMN IF NOT EXISTS</c>, the names read from
/// INFORMATION_SCHEMA.COLUMNS) and recorded in SCHEMA_CHANGE with the file Snowflake names in its
/// SCHEMA_EVOLUTION_RECORD;</item>
/// <item>the typed batch holds them as one tracked text attribute, <c>_EVOLVED</c>: the row's non-NULL values of those
/// columns as a JSON object. The SCD statements are fixed text, so this is how a change in such a column opens a
/// version as a change in any other tracked attribute does;</item>
/// <item>after the MERGE, each such column of the batch's keys in current and history is set from <c>_EVOLVED</c>.</item>
/// </list>
/// With <c>ignore</c> none of this is generated and the plan is what it was.
/// </summary>
internal sealed class SnowflakeEvolution
{
    /// <summary>The attribute that carries the evolved columns through the SCD statements.</summary>
    public static readonly PlanColumn Evolved = new("_evolved", ColumnType.String);

    /// <summary>The columns a stream adds to its table's; they are no file's columns.</summary>
    private static readonly string[] StreamColumns = ["METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID"];

    private readonly TableDefinition _table;
    private readonly SnowflakeNames _n;
    private readonly SnowflakeRawRows _rows;
    private readonly SnowflakeScd _scd;

    public SnowflakeEvolution(TableDefinition table, SnowflakeNames names, SnowflakeRawRows rows, SnowflakeScd scd)
    {
        _table = table;
        _n = names;
        _rows = rows;
        _scd = scd;
    }

    /// <summary>The raw table, on which Snowflake adds the columns files bring.</summary>
    public string RawTable => _n.Raw;

    /// <summary>The raw table's columns that are not evolved ones (the feed's and the load metadata), unquoted.</summary>
    public IReadOnlyList<string> KnownRawColumns => [.. _rows.RawColumnNames()];

    /// <summary>The tables the evolved columns themselves are added to, as nullable VARCHAR.</summary>
    public IReadOnlyList<string> WidenedTables => [_n.Current, _n.History];

    /// <summary>The tables whose <c>_EVOLVED</c> column carries the evolved values (the typed ledger and the working tables too).</summary>
    public IReadOnlyList<string> CarryingTables => [_n.Ledger, _n.New, _n.Versions, _n.Current, _n.History];

    /// <summary>
    /// The value of <c>_EVOLVED</c> for a row of the stream (the only table of the FROM): every column that is neither
    /// the feed's, the load metadata nor the stream's, with its value, as JSON text; NULL when the row gives none.
    /// OBJECT_CONSTRUCT leaves NULL values out, so a column the row leaves empty and one the file lacks are the same.
    /// </summary>
    public static string EvolvedValue(IEnumerable<string> knownRawColumns) =>
        $"NULLIF(TO_VARCHAR(OBJECT_DELETE(OBJECT_CONSTRUCT(*), {string.Join(", ", knownRawColumns.Concat(StreamColumns).Select(SnowflakeNames.Literal))})), '{{}}')";

    /// <summary>The deploy statements: schema evolution on for the raw table, the SCHEMA_CHANGE table, and _EVOLVED on tables made before the table was <c>add</c>.</summary>
    public IEnumerable<PlanStatement> Statements()
    {
        if (_rows.LandsRecord)
        {
            yield return new(PlanStep.SchemaEvolution, """
                SchemaEvolution add on NDJSON or Parquet: the pipe lands each record whole in _RECORD (VARIANT), and the procedure
                reads every column from it as text. Snowflake's own schema evolution is not used: it would give a new column the
                type it infers from the first file, and a later value that does not fit would make its whole row a load error.
                """,
                $"ALTER TABLE {_n.Raw} ADD COLUMN IF NOT EXISTS {SnowflakeRawRows.Record} VARIANT");
        }
        else
        {
            yield return new(PlanStep.SchemaEvolution, """
                SchemaEvolution add: Snowflake adds a column a file brings to the raw table as it loads the file (the pipe matches
                columns by name). The pipe's owner needs OWNERSHIP of the raw table (the deploying role has it) or
                GRANT EVOLVE SCHEMA ON TABLE <raw> TO ROLE <the pipe's owner>. Snowflake adds at most 100 columns per COPY.
                CSV: the new column gets the type Snowflake infers from the first file that brings it, and a later value that
                does not fit makes its whole record a load error (docs/snowflake.md); NDJSON and Parquet land the record instead.
                """,
                $"ALTER TABLE {_n.Raw} SET ENABLE_SCHEMA_EVOLUTION = TRUE");
        }

        yield return new(PlanStep.SchemaEvolution, "Every column a file added, with the file Snowflake names for it (one table for the schema, as schema_change in our warehouse).",
            $"""
            CREATE TABLE IF NOT EXISTS {_n.SchemaChange} (
              "TABLE_NAME" VARCHAR,
              "COLUMN_NAME" VARCHAR,
              "COLUMN_TYPE" VARCHAR,
              "FILE_KEY" VARCHAR,
              "CHANGED_AT" TIMESTAMP_NTZ
            )
            """);
        var first = true;
        foreach (var table in CarryingTables)
        {
            yield return new(PlanStep.SchemaEvolution,
                first ? "The evolved values as one JSON text column, for tables made before the table was add (a no-op otherwise)." : "",
                $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {Evolved.Quoted} {SnowflakeTypes.Sql(Evolved.Type)}");
            first = false;
        }
    }

    /// <summary>The procedure's DECLARE entries: the evolved columns of the raw table, and those current holds.</summary>
    public string Declarations() => $"""
        col VARCHAR;
        evolved_name VARCHAR;
        stmt VARCHAR;
        evolved CURSOR FOR
            {(_rows.LandsRecord ? Indented(RecordFields(newOnly: true), "    ") : Evolving("c") + "\n    ORDER BY c.\"ORDINAL_POSITION\"")};
        carried CURSOR FOR
            SELECT c."COLUMN_NAME" FROM {_n.Database}.INFORMATION_SCHEMA.COLUMNS AS c
            WHERE c."TABLE_SCHEMA" = {SnowflakeNames.Literal(_n.SchemaName)} AND c."TABLE_NAME" = {SnowflakeNames.Literal(_n.ObjectName(""))}
              AND c."COLUMN_NAME" NOT IN ({string.Join(", ", _scd.CurrentColumns.Select(x => SnowflakeNames.Literal(x.Name.ToUpperInvariant())))})
            ORDER BY c."ORDINAL_POSITION";
        """;

    /// <summary>The raw table's columns that files added, from INFORMATION_SCHEMA (alias <paramref name="c"/>).</summary>
    private string Evolving(string c) => $"""
        SELECT {c}."COLUMN_NAME", {c}."SCHEMA_EVOLUTION_RECORD" FROM {_n.Database}.INFORMATION_SCHEMA.COLUMNS AS {c}
            WHERE {c}."TABLE_SCHEMA" = {SnowflakeNames.Literal(_n.SchemaName)} AND {c}."TABLE_NAME" = {SnowflakeNames.Literal(_n.ObjectName("_raw"))}
              AND {c}."COLUMN_NAME" NOT IN ({string.Join(", ", KnownRawColumns.Select(SnowflakeNames.Literal))})
        """;

    private static string Indented(string sql, string by) => sql.Replace("\n", "\n" + by, StringComparison.Ordinal);

    /// <summary>
    /// Landed records: the evolved fields of the last batch applied (still in _CT_NEW, which the next transaction empties)
    /// and of the stream's pending rows (read, not consumed: only DML in a committed transaction moves a stream), each
    /// with the first file (by name) that brings it; <paramref name="newOnly"/>: only those current does not have yet.
    /// Reading the last batch too catches a field whose rows reached the stream after the last run read it.
    /// </summary>
    private string RecordFields(bool newOnly)
    {
        var missing = newOnly
            ? $"""

              WHERE f."KEY"::VARCHAR NOT IN (SELECT c."COLUMN_NAME" FROM {_n.Database}.INFORMATION_SCHEMA.COLUMNS AS c
                                             WHERE c."TABLE_SCHEMA" = {SnowflakeNames.Literal(_n.SchemaName)} AND c."TABLE_NAME" = {SnowflakeNames.Literal(_n.ObjectName(""))})
              """
            : "";
        return $"""
            SELECT f."KEY"::VARCHAR AS "COLUMN_NAME", MIN(e."_FILE") AS "FILE_KEY"
            FROM (SELECT n.{Evolved.Quoted}, n."_FILE" FROM {_n.New} AS n
                  UNION ALL
                  SELECT {Indented(_rows.RecordEvolved("s"), "           ")}, s."_FILE"
                  FROM {_n.Stream} AS s WHERE s.METADATA$ACTION = 'INSERT') AS e,
                 LATERAL FLATTEN(INPUT => PARSE_JSON(e.{Evolved.Quoted})) AS f{missing}
            GROUP BY f."KEY"::VARCHAR
            ORDER BY 1
            """;
    }

    /// <summary>Before the transaction: each evolved column added to current and history, and recorded once.</summary>
    public string AddColumns() => _rows.LandsRecord ? AddRecordColumns() : AddRawColumns();

    /// <summary>
    /// Landed records: each evolved field current lacks is added to current and history as VARCHAR and filled from the
    /// _EVOLVED their rows already hold (rows applied before the column existed), then recorded once with its file. The
    /// names come from a cursor and are bound or quoted, never pasted into the text unquoted.
    /// </summary>
    private string AddRecordColumns()
    {
        static string Escape(string t) => t.Replace("'", "''", StringComparison.Ordinal);
        var alters = string.Concat(WidenedTables.Select(t => $"""

                stmt := 'ALTER TABLE {Escape(t)} ADD COLUMN IF NOT EXISTS ' || col || ' VARCHAR';
                EXECUTE IMMEDIATE :stmt;
                stmt := 'UPDATE {Escape(t)} SET ' || col || ' = NULLIF(GET(PARSE_JSON({Escape(Evolved.Quoted)}), ?)::VARCHAR, '''') WHERE {Escape(Evolved.Quoted)} IS NOT NULL';
                EXECUTE IMMEDIATE :stmt USING (evolved_name);
            """));
        return $"""
            FOR c IN evolved DO
                evolved_name := c.COLUMN_NAME;
                col := '"' || REPLACE(evolved_name, '"', '""') || '"';{alters}
            END FOR;
            INSERT INTO {_n.SchemaChange} ("TABLE_NAME", "COLUMN_NAME", "COLUMN_TYPE", "FILE_KEY", "CHANGED_AT")
            SELECT {SnowflakeNames.Literal(_table.Name)}, e."COLUMN_NAME", 'string', e."FILE_KEY", CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ
            FROM ({Indented(RecordFields(newOnly: false), "      ")}) AS e
            WHERE NOT EXISTS (SELECT 1 FROM {_n.SchemaChange} AS s
                              WHERE s."TABLE_NAME" = {SnowflakeNames.Literal(_table.Name)} AND s."COLUMN_NAME" = e."COLUMN_NAME")
            """;
    }

    private string AddRawColumns()
    {
        var alters = string.Concat(WidenedTables.Select(t => $"""

                stmt := 'ALTER TABLE {t.Replace("'", "''", StringComparison.Ordinal)} ADD COLUMN IF NOT EXISTS ' || col || ' VARCHAR';
                EXECUTE IMMEDIATE :stmt;
            """));
        return $"""
            FOR c IN evolved DO
                col := '"' || REPLACE(c.COLUMN_NAME, '"', '""') || '"';{alters}
            END FOR;
            INSERT INTO {_n.SchemaChange} ("TABLE_NAME", "COLUMN_NAME", "COLUMN_TYPE", "FILE_KEY", "CHANGED_AT")
            SELECT {SnowflakeNames.Literal(_table.Name)}, e."COLUMN_NAME", 'string', PARSE_JSON(e."SCHEMA_EVOLUTION_RECORD"):FileName::VARCHAR,
                   CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ
            FROM ({Evolving("r")}) AS e
            WHERE NOT EXISTS (SELECT 1 FROM {_n.SchemaChange} AS s
                              WHERE s."TABLE_NAME" = {SnowflakeNames.Literal(_table.Name)} AND s."COLUMN_NAME" = e."COLUMN_NAME")
            """;
    }

    /// <summary>After the MERGE, in the transaction: each added column of the batch's keys set from _EVOLVED, in current and history.</summary>
    public string CarryColumns()
    {
        var keys = string.Join(" AND ", _scd.KeyColumns.Select(k => $"t.{k.Quoted} = k.{k.Quoted}"));
        var updates = string.Concat(WidenedTables.Select(t => $"""

                stmt := 'UPDATE {t.Replace("'", "''", StringComparison.Ordinal)} AS t SET ' || col || ' = NULLIF(GET(PARSE_JSON(t.{Evolved.Quoted}), ?)::VARCHAR, '''') FROM {_n.Keys.Replace("'", "''", StringComparison.Ordinal)} AS k WHERE {keys.Replace("'", "''", StringComparison.Ordinal)}';
                EXECUTE IMMEDIATE :stmt USING (evolved_name);
            """));
        return $"""
            FOR c IN carried DO
                evolved_name := c.COLUMN_NAME;
                col := '"' || REPLACE(evolved_name, '"', '""') || '"';{updates}
            END FOR
            """;
    }
}
