using CustomerTrack.Configuration;
using CustomerTrack.Tables;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Tables;

/// <summary>
/// Issue 23, "Names that break other tables": a table named like one of the pipeline's own objects (its tables, its
/// indexes, its scratch tables), like a PostgreSQL catalog relation, like a name another table makes, or too long for
/// PostgreSQL to keep whole, is refused at start-up naming the table and why; names next to those work on both engines.
/// </summary>
public sealed class TableNameTests
{
    private static string Table(string name) => $$"""
        "{{name}}": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } }
        """;

    private static string Tables(params string[] names) => $$"""{ "Tables": { {{string.Join(", ", names.Select(Table))}} } }""";

    private static readonly string Longest = "t" + new string('x', 50);

    /// <summary>Tables (the offending one last by name) and what the one error line names.</summary>
    public static TheoryData<Engine, string, string[], string[]> Refused()
    {
        var cases = new (string What, string[] Tables, string[] Message)[]
        {
            ("the pipeline's key table", ["table_key"], ["Tables:table_key", "would make 'table_key'", "a name the pipeline uses for its own table"]),
            ("the pipeline's column table", ["table_column"], ["Tables:table_column", "its own table"]),
            ("the PostgreSQL content table", ["load_content"], ["Tables:load_content", "its own table"]),
            ("the ledger reservations", ["ledger_reservation"], ["Tables:ledger_reservation", "its own table"]),
            ("the task lock", ["task_lock"], ["Tables:task_lock", "its own table"]),
            ("the load history", ["load_history"], ["Tables:load_history", "its own table"]),
            ("a table whose ledger is the ledger state", ["ledger_state"], ["Tables:ledger_state", "its own table"]),
            ("a table whose history is the load history", ["load"], ["Tables:load", "would make 'load_history' (its SCD2 table), a name the pipeline uses"]),
            ("a primary key index of the pipeline", ["task_run_pkey"], ["Tables:task_run_pkey", "its own index"]),
            ("a scratch table of the task", ["ct_fast"], ["Tables:ct_fast", "ct_* for its own objects"]),
            ("another scratch table", ["ct_keys"], ["Tables:ct_keys", "scratch tables"]),
            ("a PostgreSQL catalog relation", ["pg_class"], ["Tables:pg_class", "PostgreSQL resolves pg_* names to its own catalog"]),
            ("a PostgreSQL statistics view", ["pg_stat_activity"], ["Tables:pg_stat_activity", "pg_*"]),
            ("a DuckDB catalog view", ["duckdb_tables"], ["Tables:duckdb_tables", "duckdb_*"]),
            ("another table's ledger", ["a", "a_raw"], ["Tables:a_raw", "would make 'a_raw' (its SCD1 table), a name table a makes too"]),
            ("another table's history", ["a", "a_history"], ["Tables:a_history", "a name table a makes too"]),
            ("another table's ledger index", ["a", "a_raw_key"], ["Tables:a_raw_key", "a name table a makes too"]),
            ("another table's history index", ["a", "a_history_key"], ["Tables:a_history_key", "a name table a makes too"]),
            ("another table's primary key", ["a", "a_pkey"], ["Tables:a_pkey", "a name table a makes too"]),
            ("a name one character too long", [Longest + "y"], [$"Tables:{Longest}y", "is 52 characters long; a table name is at most 51", "PostgreSQL's limit of 63 bytes"]),
        };
        var data = new TheoryData<Engine, string, string[], string[]>();
        foreach (var engine in new[] { Engine.DuckDb, Engine.Postgres })
        {
            foreach (var c in cases)
            {
                data.Add(engine, c.What, c.Tables, c.Message);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_name_that_would_break_another_object_is_refused_at_start_up(Engine engine, string what, string[] tables, string[] message)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Tables(tables));
        Directory.CreateDirectory(Path.Combine(tmp.Landing, tables[^1]));
        File.WriteAllText(Path.Combine(tmp.Landing, tables[^1], "one.csv"), "id,v\n1,a\n");

        var result = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);

        var line = CliAssert.OneLineError(result, message);
        Assert.True(result.Code == 2, $"{what}: {result}");
        Assert.Contains("setting ", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The class, not a list of examples: every table and index the pipeline makes in the warehouse's schema (read from
    /// the engine's catalog after a run and a reload made them all), other than those of the user's table itself, is a
    /// name no table may take, and a table that would make it is refused.
    /// </summary>
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Every_object_the_pipeline_makes_is_a_name_no_table_may_take(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Tables("t"));
        Directory.CreateDirectory(Path.Combine(tmp.Landing, "t"));
        File.WriteAllText(Path.Combine(tmp.Landing, "t", "one.csv"), "id,v\n1,a\nx,b\n");
        File.SetLastWriteTimeUtc(Path.Combine(tmp.Landing, "t", "one.csv"), DateTime.UtcNow.AddSeconds(-5));
        await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        await CliRunner.RunAsync(["reload", "--failed", .. tmp.CliArgs()]);

        var ws = tmp.Open();
        var objects = Db.Rows(ws, engine == Engine.Postgres
            ? "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'i', 'v', 'p')"
            : """
              SELECT table_name FROM duckdb_tables() WHERE schema_name = current_schema() AND NOT temporary
              UNION SELECT index_name FROM duckdb_indexes() WHERE schema_name = current_schema()
              UNION SELECT view_name FROM duckdb_views() WHERE schema_name = current_schema() AND NOT internal
              """);
        var own = TableNames.Made("t").Select(m => m.Name).Append("_t_state").ToHashSet(StringComparer.Ordinal);
        var pipeline = objects.Where(o => !own.Contains(o) && !o.StartsWith("_t_state", StringComparison.Ordinal)).ToList();

        Assert.Contains("load_history", pipeline);
        Assert.Contains("load_attempt", pipeline);
        Assert.All(pipeline, name =>
        {
            Assert.True(TableNames.PipelineObjects.Contains(name) || TableNames.ReservedPrefixes.Any(p => name.StartsWith(p.Prefix, StringComparison.Ordinal)),
                $"the pipeline made '{name}', which TableNames does not reserve");
            Assert.NotNull(TableNames.Problem(name));
        });
    }

    /// <summary>
    /// Names next to the pipeline's own and the longest name allowed load and keep history side by side; on PostgreSQL
    /// every index of the longest has its whole name (none was cut to another's).
    /// </summary>
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Names_next_to_the_pipelines_own_and_the_longest_allowed_work_together(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        string[] names = ["loads", "task", "ledger", "ctx", "pgx", "a", "a_hist", Longest];
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Tables(names));
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            Directory.CreateDirectory(Path.Combine(tmp.Landing, name));
            File.WriteAllText(Path.Combine(tmp.Landing, name, "one.csv"), $"id,v\n{i},{name}\n{i + 100},second\n");
            File.SetLastWriteTimeUtc(Path.Combine(tmp.Landing, name, "one.csv"), DateTime.UtcNow.AddSeconds(-5));
        }

        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        var ws = tmp.Open();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            Assert.Equal([$"{i}|{name}", $"{i + 100}|second"], Db.Rows(ws, $"SELECT id, v FROM \"{name}\" ORDER BY id"));
            Assert.Equal(2, Db.Count(ws, $"SELECT count(*) FROM \"{name}_history\" WHERE is_current"));
        }

        if (engine == Engine.Postgres)
        {
            Assert.Equal(
                [$"{Longest}_history_key", $"{Longest}_pkey", $"{Longest}_raw_key", $"{Longest}_raw_loaded", $"{Longest}_raw_seq"],
                Db.Rows(ws, $"SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '{Longest}%' ORDER BY indexname"));
        }
    }

    [Theory]
    [InlineData("table_key.csv", new string[0], "table 'table_key' would make 'table_key'", "pass --table NAME")]
    [InlineData("orders.csv", new[] { "--table", "pg_class" }, "--table pg_class: table 'pg_class' would make", "pg_*")]
    [InlineData("orders.csv", new[] { "--table", "ct_fast" }, "--table ct_fast:", "scratch tables")]
    [InlineData("orders.csv", new[] { "--table", "load_content" }, "--table load_content:", "its own table")]
    [InlineData("a_very_long_name_for_a_feed_of_orders_from_the_shop_system.csv", new string[0], "a table name is at most 51", "pass --table NAME")]
    public async Task Init_refuses_a_name_that_would_break_another_object(string file, string[] flags, params string[] message)
    {
        using var tmp = new TempWorkspace();
        var from = Path.Combine(tmp.Dir, file);
        File.WriteAllText(from, "id,name\n1,a\n");

        CliAssert.OneLineError(await CliRunner.RunAsync(["init", "-w", tmp.Dir, "--from", from, .. flags]), message);

        Assert.False(File.Exists(Path.Combine(tmp.Dir, SettingsLoader.FileName)));
    }
}
