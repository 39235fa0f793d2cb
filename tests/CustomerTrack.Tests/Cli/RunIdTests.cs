using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>Run ids: each process prints one, stamps it on what it writes, and status --run/--runs read by it.</summary>
public sealed partial class RunIdTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Each_run_stamps_its_files_and_task_runs_and_status_tells_one_run_from_another(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        var first = RunId(await OrdersFeed.LoadAsync(tmp, deletes: false));

        // The definition fixed, a second process reloads the failed file: its attempt is the second run's, the replaced
        // attempt stays the first run's.
        OrdersFeed.WriteSettings(tmp);
        var reload = await CliRunner.RunAsync(["reload", "deletes.ndjson", .. tmp.CliArgs()]);
        Assert.True(reload.Code == 0, reload.ToString());
        var second = RunId(reload);
        // Ids sort by their start second; two processes started within one second differ in their random part only.
        Assert.True(string.CompareOrdinal(first[..15], second[..15]) <= 0, $"{first} then {second}: ids sort by start");

        var runs = CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--runs", "--json", .. tmp.CliArgs()]));
        using (var doc = JsonDocument.Parse(string.Join('\n', runs)))
        {
            Assert.Equal(
                $"{second} files 1 failed 0 rows 1 rejected 0 tasks 1 versions 0\n{first} files 4 failed 1 rows 7 rejected 2 tasks 2 versions 7",
                string.Join('\n', doc.RootElement.EnumerateArray().Select(r =>
                $"{r.GetProperty("run").GetString()} files {r.GetProperty("files")} failed {r.GetProperty("failed")} rows {r.GetProperty("rows")} "
                + $"rejected {r.GetProperty("rejected")} tasks {r.GetProperty("tasks")} versions {r.GetProperty("versions")}")));
        }

        var one = CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--run", first, .. tmp.CliArgs()]));
        Assert.Equal($"run {first}: 4 file(s), 7 row(s) in, 2 rejected, 1 LOAD_FAILED", one[0]);
        Assert.Equal("  2 task run(s); times UTC", one[1]);
        Assert.True(one.Count(l => Regex.IsMatch(l, @"^orders \| deletes\.ndjson #1 *\| LOAD_FAILED *\| +0 \| +1 \| \d\d:\d\d:\d\d$")) == 1
            && one.Count(l => Regex.IsMatch(l, @"^stock  \| task run \d+: 2 versions +\| stream")) == 1, string.Join("\n", one));
        Assert.All(one, l => Assert.True(l.Length <= 80, $"wider than 80 columns: {l}"));

        // The one query the README gives answers the same.
        var sql = $"SELECT count(*) FROM load_history WHERE invocation_id = '{second}'";
        Assert.Equal(["count_star()", "1"], CliAssert.Succeeded(await CliRunner.RunAsync(["query", sql, "--format", "csv", .. tmp.CliArgs()])).Select(Normal));

        CliAssert.OneLineError(await CliRunner.RunAsync(["status", "--run", "20000101-000000-0000", .. tmp.CliArgs()]),
            "no file or task run has run id '20000101-000000-0000'");
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_warehouse_made_before_run_ids_gets_the_column_at_start_up(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        OrdersFeed.WriteSettings(tmp);
        OrdersFeed.Land(tmp, "stock", "stock.csv", OrdersFeed.Stock);
        Assert.Equal(0, (await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()])).Code);
        foreach (var table in (string[])["load_history", "load_attempt", "task_run"])
        {
            tmp.ExecuteOnWarehouse($"ALTER TABLE {table} DROP COLUMN invocation_id");
        }

        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);
        var run = RunId(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        var runs = CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--runs", .. tmp.CliArgs()]));
        Assert.Equal("run                  | files | failed | rows | rejected | tasks | versions", runs[0]);
        Assert.Equal($"{run} |     1 |      0 |    2 |        0 |     1 |        2", runs[2]);
        Assert.Equal("(1 row)", runs[3]);
    }

    /// <summary>The run id a stage command printed at its start.</summary>
    private static string RunId(CliResult result)
    {
        Assert.True(result.Code is 0 or 3, result.ToString());
        return StartLine().Match(CliAssert.Lines(result.Out)[0]) is { Success: true } m ? m.Groups[1].Value
            : throw new Xunit.Sdk.XunitException("no run id in the start line: " + result);
    }

    /// <summary>count_star() on DuckDB is count on PostgreSQL.</summary>
    private static string Normal(string line) => line == "count" ? "count_star()" : line;

    [GeneratedRegex(@"^customertrack [a-z]+(?: --once)?: run (\d{8}-\d{6}-[0-9a-f]{4}), workspace ")]
    private static partial Regex StartLine();
}
