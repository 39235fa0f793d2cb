using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class StatusCommandTests
{
    private const string WithOneBadRow = """
        customer_id,first_name,last_name,city,updated_at,op
        7,Ada,Lovelace,London,2026-03-01T09:00:00Z,INSERT
        8,Alan,Turing,Wilmslow,2026-03-01T12:00:00Z,INSERT
        x9,Bad,Key,Nowhere,2026-03-01T13:00:00Z,INSERT
        7,Ada,Lovelace,Paris,2026-03-02T09:00:00Z,UPDATE

        """;

    [Fact]
    public async Task Status_counts_each_stage_pending_files_stream_lag_and_the_last_task_run()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", WithOneBadRow);
        CliAssert.Succeeded(await CliRunner.RunAsync("run", "--once", "--allow-rejects", "-w", tmp.Dir));
        tmp.Land("second.csv", Samples.Second);

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("status", "-w", tmp.Dir));
        Assert.Equal(8, lines.Length);
        Assert.Equal($"source       {tmp.Dir}/warehouse.duckdb", lines[0]);
        Assert.Equal("ingest       1 file(s) waiting in landing/", lines[1]);
        Assert.Equal("lake         1 object(s), 0 not yet loaded", lines[2]);
        Assert.Equal("load         1 file(s) loaded (0 failed): 3 rows in, 1 rejected", lines[3]);
        Assert.Equal("ledger       3 rows in customer_raw", lines[4]);
        Assert.Equal("stream       offset 3, lag 0 row(s)", lines[5]);
        Assert.Equal("tables       2 customers, 3 versions", lines[6]);
        Assert.Matches(@"^tasks        1 run\(s\), 0 tie\(s\); last at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? UTC: 3 rows in \d+ ms$", lines[7]);

        // Ingested and loaded, not yet applied: the lake holds it and the stream lags by its rows.
        CliAssert.Succeeded(await CliRunner.RunAsync("ingest", "--once", "-w", tmp.Dir));
        lines = CliAssert.Succeeded(await CliRunner.RunAsync("status", "-w", tmp.Dir));
        Assert.Equal("ingest       0 file(s) waiting in landing/", lines[1]);
        Assert.Equal("lake         2 object(s), 1 not yet loaded", lines[2]);
        CliAssert.Succeeded(await CliRunner.RunAsync("load", "--once", "-w", tmp.Dir));
        lines = CliAssert.Succeeded(await CliRunner.RunAsync("status", "-w", tmp.Dir));
        Assert.Equal("lake         2 object(s), 0 not yet loaded", lines[2]);
        Assert.Equal("ledger       5 rows in customer_raw", lines[4]);
        Assert.Equal("stream       offset 3, lag 2 row(s)", lines[5]);
    }

    [Fact]
    public async Task Status_json_is_one_object_with_the_same_numbers()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", WithOneBadRow);
        CliAssert.Succeeded(await CliRunner.RunAsync("run", "--once", "--allow-rejects", "-w", tmp.Dir));
        tmp.Land("second.csv", Samples.Second);

        var result = await CliRunner.RunAsync("status", "--json", "-w", tmp.Dir);
        CliAssert.Succeeded(result);
        using var doc = JsonDocument.Parse(result.Out);
        var s = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, s.ValueKind);
        Assert.Equal($"{tmp.Dir}/warehouse.duckdb", s.GetProperty("source").GetString());
        Assert.Equal(1, s.GetProperty("landing_pending").GetInt32());
        Assert.Equal(1, s.GetProperty("lake_objects").GetInt32());
        Assert.Equal(1, s.GetProperty("files_loaded").GetInt64());
        Assert.Equal(3, s.GetProperty("rows_loaded").GetInt64());
        Assert.Equal(1, s.GetProperty("rows_rejected").GetInt64());
        Assert.Equal(3, s.GetProperty("ledger_rows").GetInt64());
        Assert.Equal(0, s.GetProperty("stream_lag").GetInt64());
        Assert.Equal(2, s.GetProperty("keys").GetInt64());
        Assert.Equal(3, s.GetProperty("versions").GetInt64());
        Assert.Equal(1, s.GetProperty("task_runs").GetInt64());
        Assert.Equal(3, s.GetProperty("last_task_run_rows").GetInt64());
        Assert.Equal(JsonValueKind.Number, s.GetProperty("last_task_run_ms").ValueKind);
    }

    [Fact]
    public async Task Status_of_a_workspace_that_never_ran_says_what_to_run()
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("status", "-w", tmp.Dir), "no warehouse at", "run --once");
        CliAssert.OneLineError(await CliRunner.RunAsync("status", "--json", "-w", Path.Combine(tmp.Dir, "nope")), "does not exist");
    }

    [Fact]
    public async Task Status_reports_a_broken_settings_file_as_one_line_naming_the_file()
    {
        using var tmp = new TempWorkspace();
        var settings = Path.Combine(tmp.Dir, "customertrack.json");
        File.WriteAllText(settings, """{ "Scd": { "DeleteMode": """);
        CliAssert.OneLineError(await CliRunner.RunAsync("status", "-w", tmp.Dir), $"{settings} is not valid JSON");
    }
}
