using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>The kinds of statement in a plan, in the order they must be deployed.</summary>
internal enum PlanStep
{
    Schema,
    Integration,
    FileFormat,
    Stage,
    Tables,
    SchemaEvolution,
    Stream,
    Procedure,
    Task,
    Pipe,
    Views,
}

/// <summary>One statement of a plan, with what it is for.</summary>
internal sealed record PlanStatement(PlanStep Step, string Comment, string Sql);

/// <summary>The parts of the procedure's body, in the order it runs them.</summary>
internal enum ProcedureStep
{
    /// <summary>SchemaEvolution add: the raw columns files added, added to current and history and recorded (DDL, so before the transaction).</summary>
    AddEvolvedColumns,
    Begin,
    TypeBatch,
    /// <summary>The portable SCD statements (between <see cref="SnowflakePlan.ScdBegin"/> and <see cref="SnowflakePlan.ScdEnd"/>).</summary>
    Scd,
    /// <summary>SchemaEvolution add: those columns of the batch's keys set from _EVOLVED in current and history.</summary>
    CarryEvolvedColumns,
    Commit,
}

/// <summary>One part of the procedure's body.</summary>
internal sealed record ProcedurePart(ProcedureStep Step, string Sql);

/// <summary>
/// One table's Snowflake deployment (S3 → stage → Snowpipe → raw table → stream → task → procedure → SCD1 and SCD2),
/// generated from its definition, in deploy order. Every statement can run again safely: objects that hold state
/// (the integration's external id, the pipe's load history, the stream's offset, the tables' rows) are made only
/// IF NOT EXISTS, never OR REPLACE; only stateless ones (procedure, views) are replaced, and the task is altered.
/// </summary>
internal sealed class SnowflakePlan
{
    /// <summary>The marks around the procedure's SCD statements (the ones the semantic tests run on DuckDB).</summary>
    public const string ScdBegin = "-- ct:scd begin", ScdEnd = "-- ct:scd end";

    private readonly TableDefinition _table;
    private readonly SnowflakePlanOptions _options;
    private readonly SnowflakeNames _n;
    private readonly SnowflakeScd _scd;
    private readonly SnowflakeRawRows _rows;
    private readonly SnowflakeEvolution? _evolution;

    public SnowflakePlan(TableDefinition table, SnowflakePlanOptions options)
    {
        if (table.Format == FileFormat.Csv && !table.Csv.Header)
        {
            throw new CustomerTrackException(
                $"table {table.Name}: Snowflake matches CSV columns by their header (PARSE_HEADER), and this table's files have none (Tables:{table.Name}:Header is false); give the files a header row");
        }

        if (table.Format == FileFormat.Csv && table.Csv.Quote is not ('"' or '\'' or '\0'))
        {
            throw new CustomerTrackException(
                $"table {table.Name}: Snowflake encloses CSV fields only in \" or ' (FIELD_OPTIONALLY_ENCLOSED_BY), and this table's files quote with {table.Csv.Quote} (Tables:{table.Name}:Quote); write the files with one of those, or with no quoting (Quote \"\")");
        }

        if (table.EventTimeFormat != Contract.EventTimeFormat.Iso8601)
        {
            // The generated COPY reads event times as ISO 8601 (TRY_TO_TIMESTAMP_TZ): another format would reject every row.
            throw new CustomerTrackException(
                $"table {table.Name}: the Snowflake plan reads event times as ISO 8601, and this table's are {table.EventTimeFormat} (Tables:{table.Name}:EventTimeFormat); load it with DuckDB or PostgreSQL, or write ISO 8601 event times");
        }

        if (table.Mode == TableMode.Snapshot)
        {
            // The deletes by absence are written at load time (Warehouse/SnapshotDeletes); Snowpipe's COPY has no such step yet.
            throw new CustomerTrackException(
                $"table {table.Name}: the Snowflake plan does not yet apply snapshot tables (Tables:{table.Name}:Mode is snapshot): Snowpipe would load each snapshot's rows but never delete the keys a snapshot lacks; load it with DuckDB or PostgreSQL");
        }

        _table = table;
        _options = options;
        _n = new SnowflakeNames(options.Database, options.Schema, table);
        _scd = new SnowflakeScd(table, _n);
        _rows = new SnowflakeRawRows(table, _n, _scd);
        _evolution = table.SchemaEvolution == SchemaEvolution.Add ? new SnowflakeEvolution(table, _n, _rows, _scd) : null;
    }

    public TableDefinition Table => _table;

    public SnowflakeNames Names => _n;

    public SnowflakeScd Scd => _scd;

    /// <summary>The raw rows: their columns, checks and typing.</summary>
    public SnowflakeRawRows RawRows => _rows;

    /// <summary>How files' new columns are carried (SchemaEvolution add), or null (ignore).</summary>
    public SnowflakeEvolution? Evolution => _evolution;

    /// <summary>What the plan cannot hold to the local contract for this table, for stderr (empty when nothing).</summary>
    public IReadOnlyList<string> Warnings() => _table.SchemaEvolution == SchemaEvolution.Add && _table.Format == FileFormat.Csv
        ?
        [
            $"table {_table.Name}: SchemaEvolution add on CSV uses Snowflake's schema evolution, which gives a new column the type it infers from the first file: a later value that does not fit makes its whole record a load error (lost to the tables, listed in {_n.ObjectName("_load_rejects")}), where our engines keep it as text; declare such columns in Columns, or keep the table ignore on Snowflake (docs/snowflake.md)",
        ]
        : [];

    /// <summary>The storage integration, quoted.</summary>
    public string Integration => SnowflakeNames.Quote(_options.StorageIntegration);

    /// <summary>Every statement, in deploy order.</summary>
    public IReadOnlyList<PlanStatement> Statements()
    {
        var o = _options;
        var integration = SnowflakeNames.Quote(o.StorageIntegration);
        var stageUrl = $"{o.StageUrl}/{_table.Name}/";
        return
        [
            new(PlanStep.Schema, "Database and schema.", $"CREATE DATABASE IF NOT EXISTS {_n.Database}"),
            new(PlanStep.Schema, "", $"CREATE SCHEMA IF NOT EXISTS {_n.Schema}"),
            new(PlanStep.Integration, """
                Storage integration: how Snowflake reads the bucket. IF NOT EXISTS, never OR REPLACE: a new integration gets a new
                external id and breaks the IAM trust policy. Needs ACCOUNTADMIN (or CREATE INTEGRATION). After it is made, once:
                  DESC INTEGRATION <name>;  -- copy STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID
                and put them in the trust policy of the AWS role (docs/snowflake.md, step 3).
                """,
                $"""
                CREATE STORAGE INTEGRATION IF NOT EXISTS {integration}
                  TYPE = EXTERNAL_STAGE
                  STORAGE_PROVIDER = 'S3'
                  ENABLED = TRUE
                  STORAGE_AWS_ROLE_ARN = {SnowflakeNames.Literal(o.AwsRoleArn)}
                  STORAGE_ALLOWED_LOCATIONS = ({SnowflakeNames.Literal(o.StageUrl + "/")})
                """),
            new(PlanStep.FileFormat, FormatComment(), $"CREATE FILE FORMAT IF NOT EXISTS {_n.FileFormat}\n{FormatOptions()}"),
            new(PlanStep.Stage, $"The table's folder: producers write the files of {_table.Name} under {stageUrl} (sortable names, never reused).",
                StageSql()),
            new(PlanStep.Tables, """
                The raw ledger: every row as loaded, business columns as text (one bad value never loses a file), with the file,
                row number and scan time Snowpipe loaded it at. Never truncated: rebuilds and late changes read it.
                """ + (_rows.LandsRecord
                    ? "\nSchemaEvolution add: the pipe fills _RECORD, the whole record; the business columns hold only rows loaded before, by name."
                    : ""),
                Create(_n.Raw, _rows.RawColumns())),
            new(PlanStep.Tables, "The typed ledger: the raw rows that passed the definition's types, as the SCD step reads them.",
                Create(_n.Ledger, _scd.LedgerColumns)),
            new(PlanStep.Tables, "Working tables of the procedure, made here because DDL inside its transaction would commit it.",
                Create(_n.New, _scd.LedgerColumns)),
            new(PlanStep.Tables, "", Create(_n.Keys, _scd.KeyColumns)),
            new(PlanStep.Tables, "", Create(_n.Versions, _scd.VersionColumns)),
            new(PlanStep.Tables, $"SCD1: one row per live key, its latest change (update_timestamp = that change's {_table.SequenceColumn}).",
                Create(_n.Current, _scd.CurrentColumns)),
            new(PlanStep.Tables, "SCD2: every version, valid for start_time <= t < end_time (half-open); the open one ends 9999-12-31.",
                Create(_n.History, _scd.HistoryColumns)),
            .. _evolution?.Statements() ?? [],
            new(PlanStep.Stream, "The stream the task consumes; made before the pipe, so it sees every loaded row. Never OR REPLACE (it would lose its offset).",
                $"CREATE STREAM IF NOT EXISTS {_n.Stream} ON TABLE {_n.Raw} APPEND_ONLY = TRUE"),
            new(PlanStep.Procedure, """
                Applies the stream in one transaction, with the semantics of docs/semantics.md. No DDL after BEGIN TRANSACTION
                (DDL commits). The stream's offset moves only at COMMIT; on any error everything is rolled back and re-raised,
                so the rows are applied by the next run.
                """,
                Procedure()),
            new(PlanStep.Task, "The task is suspended while it is changed (and made if missing), then resumed: tasks are created suspended.",
                $"ALTER TASK IF EXISTS {_n.Task} SUSPEND"),
            new(PlanStep.Task, TaskComment(), Task()),
            new(PlanStep.Task, "", $"ALTER TASK {_n.Task} RESUME"),
            new(PlanStep.Pipe, PipeComment(), Pipe()),
            new(PlanStep.Views, "load_history as CustomerTrack shows it, from COPY_HISTORY (the last 14 days).", LoadHistory()),
            new(PlanStep.Views, """
                load_rejects as CustomerTrack shows it: raw rows whose values are not of the definition's types (kept in the raw
                table, left out of the SCD tables), and the rows Snowpipe itself rejected (VALIDATE_PIPE_LOAD, the last 14 days).
                """,
                _rows.LoadRejects()),
        ];
    }

    /// <summary>The tables the plan makes (unquoted upper-case names) with their columns (unquoted) and Snowflake types.</summary>
    public IReadOnlyList<(string Table, IReadOnlyList<(string Name, string Type)> Columns)> TableColumns()
    {
        static IReadOnlyList<(string, string)> Of(IEnumerable<PlanColumn> columns) =>
            columns.Select(c => (c.Name.ToUpperInvariant(), SnowflakeTypes.Sql(c.Type))).ToList();
        static string Unquote(string quoted) => quoted[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        return
        [
            (_n.ObjectName("_raw"), _rows.RawColumns().Select(c => (Unquote(c.Quoted), c.Type)).ToList()),
            (_n.ObjectName("_ledger"), Of(_scd.LedgerColumns)),
            (_n.ObjectName("_ct_new"), Of(_scd.LedgerColumns)),
            (_n.ObjectName("_ct_keys"), Of(_scd.KeyColumns)),
            (_n.ObjectName("_ct_versions"), Of(_scd.VersionColumns)),
            (_n.ObjectName(""), Of(_scd.CurrentColumns)),
            (_n.ObjectName("_history"), Of(_scd.HistoryColumns)),
        ];
    }

    /// <summary>Whether <paramref name="table"/> may hold a column the definition does not name: one a file added (SchemaEvolution add).</summary>
    public bool MayHaveColumn(string table, string column) =>
        _evolution is not null && (table == _n.ObjectName("_raw") || table == _n.ObjectName("") || table == _n.ObjectName("_history"));

    /// <summary>The file format's options as the plan sets them (name → value as written in SQL).</summary>
    public IReadOnlyDictionary<string, string> FormatOptionValues() =>
        FormatOptions().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(" = ", 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>One file format option's value as the plan writes it.</summary>
    public string FormatOptionSql(string option) => FormatOptionValues()[option];

    /// <summary>The plan as a script: statements in deploy order, each with its comment, and what to do after.</summary>
    public string Render() => Render(Statements());

    /// <summary><paramref name="statements"/> (this plan's, converged or trimmed) as a script, with the header and what to do after.</summary>
    public string Render(IEnumerable<PlanStatement> statements)
    {
        var text = new StringBuilder();
        text.Append($"-- CustomerTrack on Snowflake: table {_table.Name}, generated from its definition by 'customertrack snowflake plan'.\n");
        text.Append("-- Made to be run again: objects that hold state are made only if missing. After a definition changes, plan with\n");
        text.Append("-- --from-settings OLD.json (or let deploy read the account) for the statements that converge. Deploy order:\n");
        text.Append("-- integration, file format, stage, tables, stream, procedure, task (resumed), pipe, views. See docs/snowflake.md.\n");
        foreach (var s in statements)
        {
            text.Append('\n');
            foreach (var line in s.Comment.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                text.Append("-- ").Append(line.TrimEnd()).Append('\n');
            }

            text.Append(s.Sql.TrimEnd()).Append(";\n");
        }

        text.Append($"""

            -- After the deploy:
            --   SHOW PIPES LIKE '{(_table.Name + "_pipe").ToUpperInvariant()}' IN SCHEMA {_n.Schema};
            --     point the bucket's S3 event notification (prefix {_table.Name}/) at its notification_channel (an SQS ARN);
            --   ALTER PIPE {_n.Pipe} REFRESH;  -- optional: loads files staged in the last 7 days before the notification existed.

            """);
        return text.ToString();
    }

    private static string Create(string table, IEnumerable<PlanColumn> columns) =>
        Create(table, columns.Select(c => (c.Quoted, SnowflakeTypes.Sql(c.Type))));

    private static string Create(string table, IEnumerable<(string Quoted, string Type)> columns) =>
        $"CREATE TABLE IF NOT EXISTS {table} (\n{string.Join(",\n", columns.Select(c => $"  {c.Quoted} {c.Type}"))}\n)";

    private string FormatComment() => _table.Format switch
    {
        FileFormat.Csv => """
            File format: CSV matched by header name (PARSE_HEADER), so column order does not matter. Blank lines are no records
            (SKIP_BLANK_LINES), as on our engines. An empty field loads as '' (the procedure reads it as NULL, as we do), so a
            NULL is a field the record lacks: the procedure rejects such a ragged record (ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
            loads it, and INCLUDE_METADATA needs that setting).
            """,
        FileFormat.Ndjson => "File format: one JSON object per line, matched by name.",
        _ => "File format: Parquet, matched by column name.",
    };

    private string FormatOptions() => _table.Format switch
    {
        FileFormat.Csv => $"""
              TYPE = CSV
              PARSE_HEADER = TRUE
              FIELD_DELIMITER = {SnowflakeNames.Literal(_table.Csv.Delimiter.ToString())}
              FIELD_OPTIONALLY_ENCLOSED_BY = {(_table.Csv.Quote == '\0' ? "NONE" : SnowflakeNames.Literal(_table.Csv.Quote.ToString()))}
              SKIP_BLANK_LINES = TRUE
              EMPTY_FIELD_AS_NULL = FALSE
              NULL_IF = ()
              ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
              ENCODING = {(_table.Csv.Encoding == "latin-1" ? "'ISO-8859-1'" : "'UTF8'")}
            """,
        FileFormat.Ndjson => "  TYPE = JSON\n  STRIP_OUTER_ARRAY = FALSE",
        _ => "  TYPE = PARQUET",
    };

    private string PipeComment()
    {
        var comment = _rows.LandsRecord
            ? """
              The pipe: loads each file S3 announces, each record whole into _RECORD (a COPY transformation, so no column gets a
              type Snowflake infers and no value costs its row), recording file, row and scan time. Never OR REPLACE: a new
              pipe forgets which files it loaded and loads them again. It does not promise staging order; the procedure does
              not need it.
              """
            : """
              The pipe: loads each file S3 announces, matching columns by name and recording file, row and scan time. Never OR
              REPLACE: a new pipe forgets which files it loaded and loads them again. It does not promise staging order; the
              procedure does not need it.
              """;
        return _options.OnError == OnError.Abort
            ? comment + "\nLoad:OnError is abort, which Snowpipe does not allow (no ABORT_STATEMENT in a pipe): SKIP_FILE is the closest."
            : comment;
    }

    /// <summary>The stage; <paramref name="orReplace"/> only when a deploy is asked to recreate it (<c>--recreate</c>).</summary>
    public string StageSql(bool orReplace = false) => $"""
        CREATE {(orReplace ? "OR REPLACE STAGE" : "STAGE IF NOT EXISTS")} {_n.Stage}
          URL = {SnowflakeNames.Literal(StageUrl)}
          STORAGE_INTEGRATION = {Integration}
          FILE_FORMAT = (FORMAT_NAME = {SnowflakeNames.Literal(_n.FileFormat)})
        """;

    /// <summary>The folder the table's files land in.</summary>
    public string StageUrl => $"{_options.StageUrl}/{_table.Name}/";

    private string Pipe() => PipeSql();

    /// <summary>The pipe; <paramref name="orReplace"/> only when a deploy is asked to recreate it (<c>--recreate</c>): it forgets its load history.</summary>
    public string PipeSql(bool orReplace = false) => $"""
        CREATE {(orReplace ? "OR REPLACE PIPE" : "PIPE IF NOT EXISTS")} {_n.Pipe}
          AUTO_INGEST = TRUE
          AS
        {PipeCopy()}
        """;

    /// <summary>The pipe's COPY, as SHOW PIPES shows it in its definition.</summary>
    public string PipeCopy()
    {
        var onError = _options.OnError == OnError.Continue ? "CONTINUE" : "SKIP_FILE";
        if (_rows.LandsRecord)
        {
            // A COPY transformation: the record whole ($1 of a JSON or Parquet file) and the file metadata by name. It cannot
            // be combined with MATCH_BY_COLUMN_NAME (nor so with INCLUDE_METADATA, which needs it), so no schema evolution.
            return $"""
                  COPY INTO {_n.Raw} ({SnowflakeRawRows.Record}, "_FILE", "_ROW", "_SCAN_TIME")
                  FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @{_n.Stage})
                  FILE_FORMAT = (FORMAT_NAME = {SnowflakeNames.Literal(_n.FileFormat)})
                  ON_ERROR = {onError}
                """;
        }

        return $"""
              COPY INTO {_n.Raw}
              FROM @{_n.Stage}
              FILE_FORMAT = (FORMAT_NAME = {SnowflakeNames.Literal(_n.FileFormat)})
              MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
              INCLUDE_METADATA = ("_FILE" = METADATA$FILENAME, "_ROW" = METADATA$FILE_ROW_NUMBER, "_SCAN_TIME" = METADATA$START_SCAN_TIME)
              ON_ERROR = {onError}
            """;
    }

    private string TaskComment() => _options.Warehouse is null
        ? """
          A serverless triggered task: runs when the stream has rows (at most every 30 s by default), billed per second of
          compute; TARGET_COMPLETION_INTERVAL is required for a serverless triggered task. Times without an offset are UTC.
          After 10 failures in a row Snowflake suspends the task: 'snowflake status' shows it.
          """
        : $"""
          A triggered task on warehouse {_options.Warehouse}: runs when the stream has rows; each resume of the warehouse
          bills at least 60 s. Times without an offset are UTC. After 10 failures in a row Snowflake suspends the task:
          'snowflake status' shows it.
          """;

    private string Task()
    {
        var compute = _options.Warehouse is { } wh
            ? $"  WAREHOUSE = {SnowflakeNames.Quote(wh)}"
            : "  TARGET_COMPLETION_INTERVAL = '5 MINUTES'\n  USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'";
        return $"""
            CREATE OR ALTER TASK {_n.Task}
            {compute}
              TIMEZONE = 'UTC'
              SUSPEND_TASK_AFTER_NUM_FAILURES = 10
              WHEN SYSTEM$STREAM_HAS_DATA({SnowflakeNames.Literal(_n.Text("_raw_stream"))})
              AS CALL {_n.Procedure}()
            """;
    }

    /// <summary>The procedure's body, part by part, in the order it runs them.</summary>
    public IReadOnlyList<ProcedurePart> ProcedureBody()
    {
        var parts = new List<ProcedurePart>();
        if (_evolution is { } evolution)
        {
            parts.Add(new(ProcedureStep.AddEvolvedColumns, evolution.AddColumns()));
        }

        parts.Add(new(ProcedureStep.Begin, "BEGIN TRANSACTION"));
        parts.Add(new(ProcedureStep.TypeBatch, $"DELETE FROM {_n.New}"));
        parts.Add(new(ProcedureStep.TypeBatch, _rows.TypeBatch()));
        parts.AddRange(_scd.Statements().Select(s => new ProcedurePart(ProcedureStep.Scd, s)));
        if (_evolution is { } carried)
        {
            parts.Add(new(ProcedureStep.CarryEvolvedColumns, carried.CarryColumns()));
        }

        parts.Add(new(ProcedureStep.Commit, "COMMIT"));
        return parts;
    }

    private string Procedure()
    {
        static string Indent(string sql, string by = "        ") => string.Join('\n', sql.Split('\n').Select(l => l.Length == 0 ? l : by + l));
        var body = new StringBuilder();
        var parts = ProcedureBody();
        for (var i = 0; i < parts.Count; i++)
        {
            var step = parts[i].Step;
            if (step == ProcedureStep.Scd && (i == 0 || parts[i - 1].Step != ProcedureStep.Scd))
            {
                body.Append("        ").Append(ScdBegin).Append('\n');
            }

            body.Append(Indent(parts[i].Sql)).Append(";\n");
            if (step == ProcedureStep.Scd && (i == parts.Count - 1 || parts[i + 1].Step != ProcedureStep.Scd))
            {
                body.Append("        ").Append(ScdEnd).Append('\n');
            }
        }

        var declare = _evolution is { } evolution ? $"DECLARE\n{Indent(evolution.Declarations(), "    ")}\n" : "";
        return $"""
            CREATE OR REPLACE PROCEDURE {_n.Procedure}()
              RETURNS VARCHAR
              LANGUAGE SQL
              EXECUTE AS OWNER
            AS
            $$
            {declare}BEGIN
            {body}        RETURN 'applied';
            EXCEPTION
                WHEN OTHER THEN
                    ROLLBACK;
                    RAISE;
            END;
            $$
            """;
    }

    private string LoadHistory() => $"""
        CREATE OR REPLACE VIEW {_n.LoadHistory} AS
        SELECT "FILE_NAME" AS "FILE_KEY", "FILE_NAME", CAST(NULL AS VARCHAR) AS "SHA256", "FILE_SIZE" AS "BYTES", "STATUS",
               "ROW_PARSED" AS "ROWS_IN_FILE", "ROW_COUNT" AS "ROWS_LOADED", "ERROR_COUNT" AS "ROWS_REJECTED",
               CAST(NULL AS NUMBER) AS "FIRST_SEQ", CAST(NULL AS NUMBER) AS "LAST_SEQ", CAST(NULL AS VARCHAR) AS "UNKNOWN_COLUMNS",
               "FIRST_ERROR_MESSAGE" AS "ERROR", "PIPE_RECEIVED_TIME" AS "LANDED_AT", "LAST_LOAD_TIME" AS "LOADED_AT",
               CAST(NULL AS FLOAT) AS "LOAD_MS"
        FROM TABLE({_n.Database}.INFORMATION_SCHEMA.COPY_HISTORY(
            TABLE_NAME => {SnowflakeNames.Literal(_n.Text("_raw"))},
            START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP())))
        """;
}
