using System.Text.RegularExpressions;
using CustomerTrack.Configuration;
using CustomerTrack.Snowflake;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The shape of <c>snowflake plan</c>: golden scripts (reviewed once by a person, then held), deploy order, statements
/// that can run again, quoted names, and no secrets. Nothing here was run on Snowflake (docs/snowflake.md).
/// </summary>
public sealed partial class SnowflakePlanTests : IDisposable
{
    private readonly List<string> _dirs = [];

    /// <summary>
    /// The golden cases: the default customer table on a warehouse, the orders definition serverless, and the orders
    /// definition with SchemaEvolution add (its table is still named orders), as CSV and as NDJSON (the record landed whole).
    /// </summary>
    public static TheoryData<string> Cases() => ["customer", "orders", "orders-evolving", "orders-evolving-ndjson", "orders-next"];

    private static string? SettingsOf(string name) => name switch
    {
        "orders" => SnowflakeSamples.OrdersSettings,
        "orders-next" => SnowflakeSamples.NextOrdersSettings,
        "orders-evolving" => SnowflakeSamples.EvolvingSettings,
        "orders-evolving-ndjson" => SnowflakeSamples.EvolvingNdjsonSettings,
        _ => null,
    };

    private static string[] FlagsOf(string name) => name != "customer"
        ? ["--stage-url", "s3://example-bucket/feeds", "--serverless", "--database", "analytics", "--schema", "orders_ct", "--set", "Snowflake:AwsRoleArn=arn:aws:iam::123456789012:role/ct-snowflake"]
        : ["--stage-url", "s3://example-bucket/customertrack", "--warehouse", "ct_wh", "--set", "Snowflake:AwsRoleArn=arn:aws:iam::123456789012:role/ct-snowflake"];

    private async Task<string> PlanAsync(string name, params string[] extra)
    {
        var dir = SnowflakeSamples.Workspace(SettingsOf(name));
        _dirs.Add(dir);
        if (name == "orders-next")
        {
            // The successor is planned from the definition deployed before it: the converging statements.
            File.WriteAllText(Path.Combine(dir, "deployed.json"), SnowflakeSamples.OrdersSettings);
            extra = ["--from-settings", Path.Combine(dir, "deployed.json"), .. extra];
        }

        var result = await CliRunner.RunAsync(["snowflake", "plan", "-w", dir, .. FlagsOf(name), .. extra]);
        Assert.True(result.Code == 0, result.ToString());
        return result.Out;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Plan_is_the_reviewed_golden_script(string name)
    {
        var plan = await PlanAsync(name);
        var golden = Path.Combine(SnowflakeSamples.GoldenDir(), name + ".sql");
        if (Environment.GetEnvironmentVariable("CT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, plan);
        }

        Assert.True(File.Exists(golden), $"{golden} is missing; run with CT_UPDATE_GOLDEN=1 once, review it, and commit it");
        Assert.Equal(File.ReadAllText(golden), plan);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Statements_come_in_deploy_order_with_the_stream_before_the_pipe(string name)
    {
        var statements = Statements(await PlanAsync(name));
        int First(string pattern) => statements.FindIndex(s => Regex.IsMatch(s, pattern));
        string[] order =
        [
            "^CREATE STORAGE INTEGRATION", "^CREATE FILE FORMAT", "^CREATE STAGE", "^CREATE TABLE", "^CREATE STREAM",
            "^CREATE OR REPLACE PROCEDURE", "^CREATE OR ALTER TASK", "RESUME$", "^CREATE PIPE", "^CREATE OR REPLACE VIEW",
        ];
        var positions = order.Select(First).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_statement_can_run_again_and_nothing_holding_state_is_replaced(string name)
    {
        foreach (var s in Statements(await PlanAsync(name)))
        {
            Assert.DoesNotMatch(ReplacesState(), s);
            if (s.StartsWith("CREATE", StringComparison.Ordinal))
            {
                Assert.Matches(ReRunnable(), s);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_object_name_is_quoted_and_fully_qualified(string name)
    {
        var plan = await PlanAsync(name);
        var names = ObjectName().Matches(plan).Select(m => m.Groups["name"].Value).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.Matches("^\"[A-Z0-9_]+\"(\\.\"[A-Z0-9_]+\"){0,2}$", n));
    }

    [Fact]
    public async Task No_secret_from_the_settings_reaches_the_plan()
    {
        using var keys = new SnowflakeKeys();
        var plan = await PlanAsync("customer", "--set", $"Snowflake:PrivateKeyPath={keys.PrivateKey}", "--set", "Snowflake:User=ct_deployer",
            "--set", "Snowflake:Account=myorg-myaccount");

        Assert.DoesNotContain(keys.PrivateKey, plan);
        Assert.DoesNotContain("PRIVATE KEY", plan);
        Assert.DoesNotContain(keys.PublicKeyBody()[..40], plan);
        Assert.DoesNotContain("ct_deployer", plan, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("myorg", plan, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_a_stage_url_or_role_the_plan_says_what_to_set()
    {
        var dir = SnowflakeSamples.Workspace(null);
        _dirs.Add(dir);

        var result = await CliRunner.RunAsync("snowflake", "plan", "-w", dir);

        Assert.Equal(0, result.Code);
        Assert.Contains("<set Snowflake:StageUrl or --stage-url", result.Out);
        Assert.Contains("<set Snowflake:AwsRoleArn", result.Out);
        Assert.Contains("snowflake plan: not set: Snowflake:StageUrl or --stage-url", result.Err);
        Assert.Contains("snowflake plan: not set: Snowflake:AwsRoleArn", result.Err);
    }

    /// <summary>
    /// SchemaEvolution add on CSV keeps Snowflake's schema evolution, whose inferred types can cost a row: plan says so on
    /// stderr (and still prints the script); NDJSON lands the record whole and has nothing to warn about.
    /// </summary>
    [Theory]
    [InlineData("orders-evolving", true)]
    [InlineData("orders-evolving-ndjson", false)]
    [InlineData("orders", false)]
    public async Task Plan_warns_on_stderr_that_a_csv_table_with_schema_evolution_can_lose_a_row(string name, bool warns)
    {
        var dir = SnowflakeSamples.Workspace(SettingsOf(name));
        _dirs.Add(dir);

        var result = await CliRunner.RunAsync(["snowflake", "plan", "-w", dir, .. FlagsOf(name)]);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("CREATE PIPE IF NOT EXISTS", result.Out);
        const string Warning = "snowflake plan: warning: table orders: SchemaEvolution add on CSV uses Snowflake's schema evolution";
        if (warns)
        {
            Assert.Contains(Warning, result.Err);
            Assert.Contains("a later value that does not fit makes its whole record a load error", result.Err);
        }
        else
        {
            Assert.DoesNotContain("warning", result.Err);
        }
    }

    [Fact]
    public async Task A_successor_plan_adds_the_new_column_to_every_table_alters_the_file_format_and_only_reports_the_pipe()
    {
        var dir = SnowflakeSamples.Workspace(SnowflakeSamples.NextOrdersSettings);
        _dirs.Add(dir);
        File.WriteAllText(Path.Combine(dir, "deployed.json"), SnowflakeSamples.OrdersSettings);

        var result = await CliRunner.RunAsync(["snowflake", "plan", "-w", dir, .. FlagsOf("orders"), "--from-settings", Path.Combine(dir, "deployed.json")]);

        Assert.True(result.Code == 0, result.ToString());
        var statements = Statements(result.Out);
        string[] widened = ["ORDERS_RAW", "ORDERS_LEDGER", "ORDERS_CT_NEW", "ORDERS_CT_VERSIONS", "ORDERS", "ORDERS_HISTORY"];
        Assert.All(widened, t => Assert.Contains($"ALTER TABLE \"ANALYTICS\".\"ORDERS_CT\".\"{t}\" ADD COLUMN IF NOT EXISTS \"NOTE\" VARCHAR", statements));
        Assert.DoesNotContain(statements, s => s.Contains("\"ORDERS_CT_KEYS\" ADD COLUMN", StringComparison.Ordinal));
        Assert.Contains("ALTER FILE FORMAT \"ANALYTICS\".\"ORDERS_CT\".\"ORDERS_FORMAT\" SET\n  FIELD_DELIMITER = ','", statements);
        // Every ALTER comes before the procedure that names the new column.
        var procedure = statements.FindIndex(s => s.StartsWith("CREATE OR REPLACE PROCEDURE", StringComparison.Ordinal));
        Assert.True(statements.FindLastIndex(s => s.StartsWith("ALTER TABLE", StringComparison.Ordinal)) < procedure);
        // The pipe's ON_ERROR changed: reported with its cost, not replaced.
        Assert.DoesNotContain(statements, s => s.Contains("OR REPLACE PIPE", StringComparison.Ordinal));
        Assert.Contains("ORDERS_PIPE its COPY differs", result.Err);
        Assert.Contains("resets its load history", result.Err);
        Assert.Contains("is not known here", result.Err);
    }

    [Fact]
    public async Task Names_that_meet_on_snowflake_are_refused_at_plan_time_naming_both_tables()
    {
        var dir = SnowflakeSamples.Workspace("""{ "Tables": { "a": { "Key": ["id"], "Columns": { "id": "int64" } }, "a_ledger": { "Key": ["id"], "Columns": { "id": "int64" } } } }""");
        _dirs.Add(dir);

        var result = await CliRunner.RunAsync("snowflake", "plan", "-w", dir, "--table", "a", "--stage-url", "s3://b/p");

        Assert.Equal(1, result.Code);
        Assert.Contains("table a's typed ledger and table a_ledger's SCD1 table would both be named A_LEDGER", result.Err);
        Assert.Empty(result.Out);
    }

    [Theory]
    [InlineData("continue", "ON_ERROR = CONTINUE", null)]
    [InlineData("skip_file", "ON_ERROR = SKIP_FILE", null)]
    [InlineData("abort", "ON_ERROR = SKIP_FILE", "Snowpipe does not allow")]
    public async Task The_pipe_takes_Load_OnError_where_Snowpipe_allows_it(string onError, string expected, string? comment)
    {
        var plan = await PlanAsync("customer", "--set", $"Load:OnError={onError}");

        Assert.Contains(expected, plan);
        if (comment is not null)
        {
            Assert.Contains(comment, plan);
        }
    }

    [Fact]
    public async Task A_table_is_chosen_by_name_and_an_unknown_one_is_named_in_the_error()
    {
        var dir = SnowflakeSamples.Workspace(SnowflakeSamples.OrdersSettings);
        _dirs.Add(dir);

        var one = await CliRunner.RunAsync("snowflake", "plan", "-w", dir, "--table", "orders");
        var unknown = await CliRunner.RunAsync("snowflake", "plan", "-w", dir, "--table", "customer");

        Assert.Contains("table orders", one.Out);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no table 'customer'; the tables are orders", unknown.Err);
    }

    [Fact]
    public void Csv_without_a_header_is_refused_with_what_to_do()
    {
        var settings = new Settings();
        settings.Tables["nohead"] = new TableSettings { Key = ["id"], Columns = new() { ["id"] = "int64", ["name"] = "string" }, Header = false };
        settings.Validate();

        var e = Assert.Throws<CustomerTrackException>(() =>
            new SnowflakePlan(settings.Definitions[0], SnowflakePlanOptions.From(settings, stageUrl: "s3://b/p")));

        Assert.Contains("give the files a header row", e.Message);
    }

    [Theory]
    [InlineData("\"", "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'")]
    [InlineData("'", "FIELD_OPTIONALLY_ENCLOSED_BY = ''''")]
    [InlineData("", "FIELD_OPTIONALLY_ENCLOSED_BY = NONE")]
    public void The_file_format_encloses_fields_in_the_tables_quote(string quote, string expected)
    {
        var plan = new SnowflakePlan(Definition(t => t.Quote = quote), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p"));

        Assert.Contains(expected, Lines(plan.Statements(), PlanStep.FileFormat));
    }

    [Theory]
    [InlineData("epoch_s")]
    [InlineData("epoch_ms")]
    [InlineData("dd.MM.yyyy HH:mm:ss")]
    public void An_event_time_format_the_plan_cannot_read_is_refused_naming_the_setting(string format)
    {
        var e = Assert.Throws<CustomerTrackException>(() =>
            new SnowflakePlan(Definition(t => (t.EventTime, t.EventTimeFormat) = ("at", format)), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p")));

        Assert.Contains("reads event times as ISO 8601", e.Message);
        Assert.Contains("Tables:notes:EventTimeFormat", e.Message);
    }

    [Fact]
    public void A_snapshot_table_is_refused_saying_the_plan_does_not_apply_snapshots_yet()
    {
        var e = Assert.Throws<CustomerTrackException>(() =>
            new SnowflakePlan(Definition(t => (t.EventTime, t.Mode) = ("at", "snapshot")), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p")));

        Assert.Contains("does not yet apply snapshot tables", e.Message);
        Assert.Contains("Tables:notes:Mode", e.Message);
    }

    [Fact]
    public void A_quote_snowflake_cannot_enclose_fields_in_is_refused_with_what_to_do()
    {
        var e = Assert.Throws<CustomerTrackException>(() =>
            new SnowflakePlan(Definition(t => t.Quote = "|"), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p")));

        Assert.Contains("Snowflake encloses CSV fields only in \" or '", e.Message);
        Assert.Contains("Tables:notes:Quote", e.Message);
    }

    public static TheoryData<string, string> Evolutions() => new()
    {
        { "csv", "add" }, { "ndjson", "add" }, { "parquet", "add" }, { "csv", "ignore" }, { "ndjson", "ignore" }, { "parquet", "ignore" },
    };

    [Theory]
    [MemberData(nameof(Evolutions))]
    public void An_add_table_lands_the_columns_files_bring_without_an_inferred_type_where_it_can_and_carries_them_into_current_and_history(string format, string evolution)
    {
        var plan = new SnowflakePlan(Definition(t => (t.Format, t.SchemaEvolution) = (format, evolution)),
            SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p"));
        var n = plan.Names;
        var statements = plan.Statements();
        var evolving = statements.Where(s => s.Step == PlanStep.SchemaEvolution).Select(s => s.Sql).ToList();
        var steps = plan.ProcedureBody().Select(p => p.Step).Distinct().ToList();
        var columns = new[] { plan.Scd.LedgerColumns, plan.Scd.VersionColumns, plan.Scd.CurrentColumns, plan.Scd.HistoryColumns };

        if (evolution == "ignore")
        {
            Assert.Null(plan.Evolution);
            Assert.Empty(evolving);
            Assert.All(columns, c => Assert.DoesNotContain(SnowflakeEvolution.Evolved, c));
            Assert.Equal([ProcedureStep.Begin, ProcedureStep.TypeBatch, ProcedureStep.Scd, ProcedureStep.Commit], steps);
            return;
        }

        var e = Assert.IsType<SnowflakeEvolution>(plan.Evolution);
        var pipe = Lines(statements, PlanStep.Pipe).ToList();
        var procedure = string.Join("\n", plan.ProcedureBody().Select(p => p.Sql));
        if (format == "csv")
        {
            // CSV: Snowflake evolves the raw table: schema evolution on, and a COPY matching columns by its header (with a
            // column count that may differ), run by the owner of the raw table. Its inferred types can cost a row: plan warns.
            Assert.Equal($"ALTER TABLE {n.Raw} SET ENABLE_SCHEMA_EVOLUTION = TRUE", evolving[0]);
            Assert.Contains("MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE", pipe);
            Assert.Contains("PARSE_HEADER = TRUE", Lines(statements, PlanStep.FileFormat));
            Assert.Contains("ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE", Lines(statements, PlanStep.FileFormat));
            Assert.Contains("load error", Assert.Single(plan.Warnings()), StringComparison.Ordinal);
            Assert.DoesNotContain(SnowflakeRawRows.Record, procedure, StringComparison.Ordinal);
        }
        else
        {
            // NDJSON and Parquet: every record lands whole in one VARIANT column by a COPY transformation (which takes neither
            // MATCH_BY_COLUMN_NAME nor INCLUDE_METADATA), so no column has a type Snowflake inferred; no schema evolution.
            Assert.Empty(plan.Warnings());
            Assert.Equal($"ALTER TABLE {n.Raw} ADD COLUMN IF NOT EXISTS \"_RECORD\" VARIANT", evolving[0]);
            Assert.Contains(("\"_RECORD\"", "VARIANT"), plan.RawRows.RawColumns());
            Assert.Equal(
            [
                $"COPY INTO {n.Raw} (\"_RECORD\", \"_FILE\", \"_ROW\", \"_SCAN_TIME\")",
                $"FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @{n.Stage})",
            ], pipe.SkipWhile(l => !l.StartsWith("COPY", StringComparison.Ordinal)).Take(2));
            Assert.DoesNotContain(statements, s => s.Sql.Contains("MATCH_BY_COLUMN_NAME", StringComparison.Ordinal)
                || s.Sql.Contains("INCLUDE_METADATA", StringComparison.Ordinal) || s.Sql.Contains("ENABLE_SCHEMA_EVOLUTION", StringComparison.Ordinal));

            // The procedure reads the definition's columns from the record ignoring case, and the evolved ones as text
            // (values of any JSON or Parquet type), never from columns Snowflake typed; a record naming a field twice is a reject.
            Assert.Contains("GET_IGNORE_CASE(s.\"_RECORD\", 'id')", procedure, StringComparison.Ordinal);
            Assert.Contains("STRIP_NULL_VALUE(GET_IGNORE_CASE(r.\"_RECORD\", k::VARCHAR))::VARCHAR", procedure, StringComparison.Ordinal);
            Assert.DoesNotContain("OBJECT_CONSTRUCT(*)", procedure, StringComparison.Ordinal);
            Assert.DoesNotContain("SCHEMA_EVOLUTION_RECORD", procedure + e.Declarations(), StringComparison.Ordinal);
            Assert.Contains("'names a column twice (in another case)'", plan.RawRows.LoadRejects(), StringComparison.Ordinal);

            // Before the transaction, the fields of the pending rows and of the last batch become columns, filled from the
            // _EVOLVED their rows already hold.
            Assert.Contains($"FROM {n.Stream} AS s WHERE s.METADATA$ACTION = 'INSERT'", e.Declarations(), StringComparison.Ordinal);
            Assert.Contains($"FROM {n.New} AS n", e.Declarations(), StringComparison.Ordinal);
            Assert.All(e.WidenedTables, t => Assert.Contains(
                $"'UPDATE {t} SET ' || col || ' = NULLIF(GET(PARSE_JSON(\"_EVOLVED\"), ?)::VARCHAR, '''') WHERE \"_EVOLVED\" IS NOT NULL'", e.AddColumns(), StringComparison.Ordinal));
        }

        // Before the stream and the procedure: the record of added columns, and _EVOLVED on every table that carries it.
        var order = statements.Select(s => s.Step).ToList();
        Assert.True(order.LastIndexOf(PlanStep.Tables) < order.IndexOf(PlanStep.SchemaEvolution)
            && order.LastIndexOf(PlanStep.SchemaEvolution) < order.IndexOf(PlanStep.Stream));
        Assert.Contains(evolving, s => s.StartsWith($"CREATE TABLE IF NOT EXISTS {n.SchemaChange} (", StringComparison.Ordinal));
        Assert.Equal([n.Ledger, n.New, n.Versions, n.Current, n.History], e.CarryingTables);
        Assert.All(e.CarryingTables, t => Assert.Contains($"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS \"_EVOLVED\" VARCHAR", evolving));
        Assert.All(columns, c => Assert.Contains(SnowflakeEvolution.Evolved, c));

        // The procedure adds the new columns before its transaction (DDL commits) and fills them after the MERGE.
        Assert.Equal([n.Current, n.History], e.WidenedTables);
        Assert.Equal(["ID", "NAME", "_FILE", "_ROW", "_SCAN_TIME"], e.KnownRawColumns);
        Assert.Equal(
            [ProcedureStep.AddEvolvedColumns, ProcedureStep.Begin, ProcedureStep.TypeBatch, ProcedureStep.Scd, ProcedureStep.CarryEvolvedColumns, ProcedureStep.Commit],
            steps);
    }

    public static TheoryData<string, string, bool> Changes() => new()
    {
        { "column", "NOTES has no column AGE (NUMBER(10,0))", true },
        { "dropped", "NOTES has column NAME, which the definition no longer names (kept; never dropped)", false },
        { "quote", "NOTES_FORMAT differs in FIELD_OPTIONALLY_ENCLOSED_BY ('\"' -> ''')", true },
        { "format", "NOTES_FORMAT is TYPE CSV, the definition says JSON", false },
        { "evolution", "NOTES_RAW has no column _RECORD (VARIANT)", true },
        { "evolution-pipe", "NOTES_PIPE", false },
        { "none", "", false },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_change_of_definition_is_named_and_converged_where_snowflake_can_alter_it(string change, string expected, bool converged)
    {
        // evolution: an NDJSON table turned from ignore to add now lands its records whole: a new raw column, a new COPY.
        var evolution = change.StartsWith("evolution", StringComparison.Ordinal);
        var before = new SnowflakePlan(Definition(t => t.Format = evolution ? "ndjson" : t.Format), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p"));
        var after = new SnowflakePlan(Definition(t =>
        {
            switch (change)
            {
                case "evolution" or "evolution-pipe": (t.Format, t.SchemaEvolution) = ("ndjson", "add"); break;
                case "column": t.Columns["age"] = "int32"; break;
                case "dropped": t.Columns.Remove("name"); break;
                case "quote": t.Quote = "'"; break;
                case "format": t.Format = "ndjson"; break;
            }
        }), SnowflakePlanOptions.From(new Settings(), stageUrl: "s3://b/p"));

        var drifts = SnowflakeConvergence.Differences(after, SnowflakeConvergence.Desired(before));

        if (change == "none")
        {
            Assert.Empty(drifts);
            return;
        }

        var drift = Assert.Single(drifts, d => $"{d.Object} {d.What}".StartsWith(expected, StringComparison.Ordinal));
        Assert.Equal(converged, drift.Converge is not null);
        Assert.DoesNotContain(SnowflakeConvergence.Converged(after, drifts), s => s.Sql.Contains("OR REPLACE STAGE", StringComparison.Ordinal)
            || s.Sql.Contains("OR REPLACE PIPE", StringComparison.Ordinal) || s.Sql.Contains("DROP", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Lines(IEnumerable<PlanStatement> statements, PlanStep step) =>
        statements.Single(s => s.Step == step).Sql.Split('\n').Select(l => l.Trim());

    /// <summary>A one-table definition through the settings check, changed by <paramref name="change"/> first.</summary>
    private static CustomerTrack.Tables.TableDefinition Definition(Action<TableSettings> change)
    {
        var settings = new Settings();
        var table = new TableSettings { Key = ["id"], Columns = new() { ["id"] = "int64", ["name"] = "string" } };
        change(table);
        settings.Tables["notes"] = table;
        settings.Validate();
        return settings.Definitions[0];
    }

    /// <summary>The plan's statements outside the procedure body, comments removed.</summary>
    internal static List<string> Statements(string plan) =>
        SqlScript.Split(plan).Select(SqlScript.StripComments).Where(s => s.Length > 0).ToList();

    [GeneratedRegex(@"OR\s+REPLACE\s+(STORAGE\s+INTEGRATION|PIPE|STREAM|TABLE|STAGE|FILE\s+FORMAT)\b|\bTRUNCATE\b|\bDROP\b")]
    private static partial Regex ReplacesState();

    [GeneratedRegex(@"^CREATE\s+(\w+(\s+\w+)?\s+IF\s+NOT\s+EXISTS|OR\s+ALTER\s+TASK|OR\s+REPLACE\s+(PROCEDURE|VIEW))\b")]
    private static partial Regex ReRunnable();

    [GeneratedRegex(@"(?m)^(CREATE (OR REPLACE |OR ALTER )?(STORAGE INTEGRATION|FILE FORMAT|STAGE|TABLE|STREAM|PROCEDURE|TASK|PIPE|VIEW|DATABASE|SCHEMA)( IF NOT EXISTS)?|ALTER TASK( IF EXISTS)?|INSERT INTO|DELETE FROM|MERGE INTO|COPY INTO) (?<name>[^\s;(]+)")]
    private static partial Regex ObjectName();

    public void Dispose()
    {
        foreach (var dir in _dirs)
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
