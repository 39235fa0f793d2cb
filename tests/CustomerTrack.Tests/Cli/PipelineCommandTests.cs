using System.Diagnostics;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>run, ingest, load, tasks and rebuild, and the settings they read.</summary>
public sealed class PipelineCommandTests
{
    private const string CurrentRows = "SELECT customer_id, first_name, last_name, city, update_timestamp FROM customer ORDER BY customer_id";

    [Fact]
    public async Task Run_once_takes_every_landed_file_through_to_both_tables_and_says_what_it_did()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        tmp.Land("second.csv", Samples.Second);

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir));
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^customertrack run --once: run \d{8}-\d{6}-[0-9a-f]{4}, workspace " + System.Text.RegularExpressions.Regex.Escape(
            $"{tmp.Dir}, warehouse duckdb {tmp.Dir}/warehouse.duckdb, lake {tmp.Dir}/lake") + "$", lines[0]);
        Assert.Matches(@"^  load  first\.csv  LOADED  3 rows  0 rejects  \d+ ms$", lines[1]);
        Assert.Matches(@"^  load  second\.csv  LOADED  2 rows  0 rejects  \d+ ms$", lines[2]);
        Assert.Matches(@"^  task  run 1     ledger \(0, 5\]  5 rows  2 customers  4 versions  0 ties  \d+ ms$", lines[3]);
        Assert.Equal("run --once: 2 file(s) ingested, 2 processed, 1 task run(s) applying 5 row(s)", lines[4]);
        Assert.Empty(Directory.GetFiles(tmp.Landing));
        Assert.False(File.Exists(Path.Combine(tmp.Dir, "owner.json")), "a finished run leaves no owner record");

        var ws = tmp.Open();
        Assert.Equal(["7|Ada|King|Rome|2026-03-05 09:00:00", "8|Alan|Turing|Wilmslow, Cheshire|2026-03-01 12:00:00"], Db.Rows(ws, CurrentRows));
        Assert.Equal(
        [
            "7|London|2026-03-01 09:00:00|2026-03-02 09:00:00.5|false",
            "7|Paris|2026-03-02 09:00:00.5|2026-03-03 09:00:00|false",
            "7|Rome|2026-03-05 09:00:00|9999-12-31 00:00:00|true",
            "8|Wilmslow, Cheshire|2026-03-01 12:00:00|9999-12-31 00:00:00|true",
        ], Db.Rows(ws, "SELECT customer_id, city, start_time, end_time, is_current FROM customer_history ORDER BY customer_id, start_time"));

        Assert.Equal("run --once: 0 file(s) ingested, 0 processed, 0 task run(s) applying 0 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir)));
    }

    [Fact]
    public async Task Run_for_a_while_applies_files_landed_while_it_runs_and_then_exits_by_itself()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        var watch = Stopwatch.StartNew();
        var run = CliRunner.RunAsync("run", "--for", "3s", "-w", tmp.Dir);
        var owner = Path.Combine(tmp.Dir, "owner.json");
        await CliRunner.WaitUntilAsync(() => File.Exists(owner) || run.IsCompleted, "the run to record itself as owner");

        tmp.Land("second.csv", Samples.Second);
        var answer = await CliAssert.PollAsync(
            () => CliRunner.RunAsync("query", "SELECT city FROM customer WHERE customer_id = 7", "-w", tmp.Dir, "--format", "csv"),
            r => r.Out.Contains("Rome", StringComparison.Ordinal), "the second file to reach customer", seconds: 3);
        Assert.Equal(["city", "Rome"], CliAssert.Lines(answer.Out));

        var result = await run;
        Assert.True(result.Code == 0, result.ToString());
        Assert.InRange(watch.Elapsed.TotalSeconds, 2.9, 20);
        Assert.False(File.Exists(owner), "the owner record goes when the run ends");
        Assert.Equal(4, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_history"));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("ingest")]
    [InlineData("load")]
    [InlineData("tasks")]
    public async Task Stage_commands_refuse_a_duration_they_cannot_read(string command)
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync(command, "--for", "5parsecs", "-w", tmp.Dir),
            "--for '5parsecs' is not a duration", "500ms, 20s, 5m or 2h");
    }

    [Fact]
    public async Task Run_names_an_invalid_setting_and_the_values_it_allows()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        var line = CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir, "--set", "Scd:DeleteMode=bogus"));
        Assert.Equal("customertrack: setting Scd:DeleteMode: 'bogus' is not allowed; use one of close, tombstone-row", line);
        Assert.Single(Directory.GetFiles(tmp.Landing), f => f.EndsWith("first.csv", StringComparison.Ordinal));

        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir, "--set", "Scd:DeleteMode"), "--set 'Scd:DeleteMode' is not Section:Key=value");
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir, "--set", "Ingest:MaxInFlight=many"), "Ingest:MaxInFlight", "'many'");
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir, "--set", "Ingest:PollInterval=soon"), "Ingest:PollInterval", "'soon'", "500ms");
    }

    [Fact]
    public async Task Run_reports_a_broken_customertrack_json_as_one_line_naming_the_file()
    {
        using var tmp = new TempWorkspace();
        var settings = Path.Combine(tmp.Dir, "customertrack.json");
        File.WriteAllText(settings, """{ "Scd": { "DeleteMode": """);
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir), $"{settings} is not valid JSON");

        File.WriteAllText(settings, """{ "Load": { "OnError": "explode" } }""");
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir), "setting Load:OnError: 'explode' is not allowed; use one of continue, skip_file, abort");
    }

    [Fact]
    public async Task Settings_come_from_customertrack_json_and_a_set_flag_overrides_them()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), """{ "Scd": { "DeleteMode": "tombstone-row" } }""");
        await Samples.LoadBothAsync(tmp);
        const string Deleted = "SELECT customer_id, start_time, end_time FROM customer_history WHERE is_deleted";
        Assert.Equal(["7|2026-03-03 09:00:00|2026-03-05 09:00:00"], Db.Rows(tmp.Open(), Deleted));

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("rebuild", "-w", tmp.Dir, "--set", "Scd:DeleteMode=close"));
        Assert.Matches(@"^rebuild: 2 customers, 4 versions from 5 ledger rows in \d+ ms$", Assert.Single(lines));
        Assert.Empty(Db.Rows(tmp.Open(), Deleted));
        Assert.Equal(4, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_history"));
    }

    [Fact]
    public async Task Rebuild_recomputes_both_tables_equal_to_what_incremental_processing_gave()
    {
        using var tmp = new TempWorkspace();
        await Samples.LoadBothAsync(tmp);
        var incremental = Db.Query(tmp.Open(), Samples.Tables).Scalar;
        Assert.Contains("Rome", incremental, StringComparison.Ordinal);

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("rebuild", "-w", tmp.Dir));
        Assert.Matches(@"^rebuild: 2 customers, 4 versions from 5 ledger rows in \d+ ms$", Assert.Single(lines));
        Assert.Equal(incremental, Db.Query(tmp.Open(), Samples.Tables).Scalar);
        Assert.Equal(["stream|2", "rebuild|1"], Db.Rows(tmp.Open(), "SELECT kind, count(*) FROM task_run GROUP BY kind ORDER BY min(run_id)"));
    }

    [Fact]
    public async Task Rebuild_refuses_a_workspace_that_does_not_exist_and_an_invalid_setting()
    {
        using var tmp = new TempWorkspace();
        var missing = Path.Combine(tmp.Dir, "nope");
        CliAssert.OneLineError(await CliRunner.RunAsync("rebuild", "-w", missing), $"workspace {missing} does not exist");
        Assert.False(Directory.Exists(missing));
        CliAssert.OneLineError(await CliRunner.RunAsync("rebuild", "-w", tmp.Dir, "--set", "Scd:TrackHistoryExcept:0=shoe_size"),
            "setting Scd:TrackHistoryExcept: 'shoe_size' is not allowed", "first_name");
    }

    [Fact]
    public async Task Ingest_load_and_tasks_each_do_only_their_own_stage()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        var warehouse = Path.Combine(tmp.Dir, "warehouse.duckdb");

        Assert.Equal("ingest --once: 1 file(s) ingested, 0 processed, 0 task run(s) applying 0 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("ingest", "--once", "-w", tmp.Dir)));
        Assert.Empty(Directory.GetFiles(tmp.Landing));
        Assert.Single(Directory.GetFiles(Path.Combine(tmp.Dir, "lake"), "*first*.csv", SearchOption.AllDirectories));
        Assert.False(File.Exists(warehouse), "ingest only moves files; it never opens the warehouse");

        Assert.Equal("load --once: 0 file(s) ingested, 1 processed, 0 task run(s) applying 0 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("load", "--once", "-w", tmp.Dir)));
        Assert.Equal(3, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_raw"));
        Assert.Equal(0, Db.Count(tmp.Open(), "SELECT count(*) FROM customer"));

        Assert.Equal("tasks --once: 0 file(s) ingested, 0 processed, 1 task run(s) applying 3 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("tasks", "--once", "-w", tmp.Dir)));
        Assert.Equal(["7|Ada|Lovelace|Paris|2026-03-02 09:00:00.5", "8|Alan|Turing|Wilmslow, Cheshire|2026-03-01 12:00:00"],
            Db.Rows(tmp.Open(), CurrentRows));
        Assert.Equal(3, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_history"));

        Assert.Equal("tasks --once: 0 file(s) ingested, 0 processed, 0 task run(s) applying 0 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("tasks", "--once", "-w", tmp.Dir)));
    }

    [Fact]
    public async Task Ingest_refuses_an_invalid_setting_and_leaves_landing_alone()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        CliAssert.OneLineError(await CliRunner.RunAsync("ingest", "--once", "-w", tmp.Dir, "--set", "Ingest:MaxInFlight=0"),
            "setting Ingest:MaxInFlight: 0 must be a positive number");
        Assert.Single(Directory.GetFiles(tmp.Landing));
    }

    [Fact]
    public async Task Load_with_the_abort_policy_stops_at_a_bad_row_naming_file_line_and_field_and_loads_nothing()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("bad.csv", """
            customer_id,first_name,updated_at
            1,Ada,2026-03-01T09:00:00Z
            one,Alan,2026-03-01T10:00:00Z
            3,Grace,2026-03-01T11:00:00Z

            """);
        CliAssert.Succeeded(await CliRunner.RunAsync("ingest", "--once", "-w", tmp.Dir));

        CliAssert.FailedRun(await CliRunner.RunAsync("load", "--once", "-w", tmp.Dir, "--set", "Load:OnError=abort"),
            "bad", "line 3, field customer_id", "Load:OnError is abort");
        Assert.Equal(0, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_raw"));
        Assert.Equal(0, Db.Count(tmp.Open(), "SELECT count(*) FROM load_history"));

        // The default policy, continue, loads the good rows and keeps the bad one with its reason (and exits 3).
        Assert.Equal(3, (await CliRunner.RunAsync("load", "--once", "-w", tmp.Dir)).Code);
        Assert.Equal(["1", "3"], Db.Rows(tmp.Open(), "SELECT customer_id FROM customer_raw ORDER BY 1"));
        Assert.Equal(["3|customer_id"], Db.Rows(tmp.Open(), "SELECT line, field FROM load_rejects"));
    }

    [Fact]
    public async Task Tasks_refuse_a_batch_size_that_is_not_positive()
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("tasks", "--once", "-w", tmp.Dir, "--set", "Tasks:MaxBatchRows=0"),
            "setting Tasks:MaxBatchRows: 0 must be a positive number");
    }

    [Fact]
    public async Task Tasks_in_small_batches_give_the_same_tables_as_one_batch()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        tmp.Land("second.csv", Samples.Second);
        CliAssert.Succeeded(await CliRunner.RunAsync("ingest", "--once", "-w", tmp.Dir));
        Assert.Equal("load --once: 0 file(s) ingested, 2 processed, 0 task run(s) applying 0 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("load", "--once", "-w", tmp.Dir)));

        Assert.Equal("tasks --once: 0 file(s) ingested, 0 processed, 3 task run(s) applying 5 row(s)",
            CliAssert.Summary(await CliRunner.RunAsync("tasks", "--once", "-w", tmp.Dir, "--set", "Tasks:MaxBatchRows=2")));

        using var once = new TempWorkspace();
        await Samples.LoadBothAsync(once);
        Assert.Equal(Db.Query(once.Open(), Samples.Tables).Scalar, Db.Query(tmp.Open(), Samples.Tables).Scalar);
    }

    [Fact]
    public async Task A_command_line_the_parser_cannot_read_is_one_line_pointing_to_help()
    {
        CliAssert.OneLineError(await CliRunner.RunAsync("frobnicate"), "frobnicate", "customertrack --help");
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--onse"), "--onse", "customertrack --help");
    }
}
