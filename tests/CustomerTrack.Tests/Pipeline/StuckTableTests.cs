using System.Diagnostics;
using System.Text.RegularExpressions;
using CustomerTrack.Configuration;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// Issue 23, "Stuck, while everything says healthy": a table whose task fails for good (here its history table was
/// altered by hand, so every task statement on it fails) does not stop the other tables; <c>/health</c> answers 503
/// naming it, <c>/metrics</c> carries a <c>table</c> label on every per-table series and a failing gauge for it, and the
/// run exits 4 naming it, whether it ran <c>--once</c> or continuously.
/// </summary>
public sealed partial class StuckTableTests
{
    private const string Tables = """
        { "Tables": {
            "a": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } },
            "b": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } } } }
        """;

    [GeneratedRegex(@"dashboard (http://\S+/)")]
    private static partial Regex DashboardUrl();

    /// <summary>Both tables loaded once, then b's history table broken by hand, then a new file for each.</summary>
    private static async Task BreakBAsync(TempWorkspace tmp)
    {
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Tables);
        Land(tmp, "first.csv", 1);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        tmp.ExecuteOnWarehouse("ALTER TABLE b_history RENAME COLUMN v TO v_by_hand");
        Land(tmp, "second.csv", 2);
    }

    private static void Land(TempWorkspace tmp, string file, int id)
    {
        foreach (var table in (string[])["a", "b"])
        {
            var path = Path.Combine(tmp.Landing, table, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"id,v\n{id},{table}{id}\n");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
        }
    }

    /// <summary>
    /// A run that ends by itself, drained (<c>--once</c>) or timed (<c>--for</c>; its first cycle meets the stuck table
    /// long before the time is up), applies the other table and exits 4 naming the stuck one.
    /// </summary>
    [Theory]
    [InlineData(Engine.DuckDb, "--once")]
    [InlineData(Engine.Postgres, "--once")]
    [InlineData(Engine.DuckDb, "--for 15s")]
    [InlineData(Engine.Postgres, "--for 15s")]
    public async Task A_run_that_ends_with_a_table_stuck_applies_the_others_and_exits_4_naming_it(Engine engine, string mode)
    {
        using var tmp = new TempWorkspace(engine);
        await BreakBAsync(tmp);

        var run = await CliRunner.RunAsync(["run", .. mode.Split(' '), "--set", "Dashboard:Enabled=false", .. tmp.CliArgs()]);

        Assert.True(run.Code == 4, run.ToString());
        var error = CliAssert.FailedRun(run, $"{(mode == "--once" ? "run --once" : "run")} ended with a stage failing: tasks of table b failing since");
        Assert.DoesNotContain("table a", error, StringComparison.Ordinal);
        Assert.Contains(CliAssert.Lines(run.Out), l => l.StartsWith("  task  a  ", StringComparison.Ordinal));
        var ws = tmp.Open();
        Assert.Equal(["1|a1", "2|a2"], Db.Rows(ws, "SELECT id, v FROM a ORDER BY id"));
        Assert.Equal(["1|b1"], Db.Rows(ws, "SELECT id, v FROM b ORDER BY id"));
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_running_pipeline_with_a_table_stuck_is_unhealthy_and_says_which_in_health_and_metrics(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        await BreakBAsync(tmp);
        using var run = CliRunner.StartWatched(["run", "--set", "Dashboard:Port=0", .. tmp.CliArgs()]);
        try
        {
            string? url = null;
            await CliRunner.WaitUntilAsync(() => (url = run.Stdout.Select(l => DashboardUrl().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value) is not null
                || run.Process.HasExited, "the run's start line with the dashboard's address");
            Assert.False(run.Process.HasExited, string.Join("\n", run.Stderr));
            using var http = new HttpClient();

            HttpResponseMessage? health = null;
            var body = "";
            await CliRunner.WaitUntilAsync(() =>
            {
                health?.Dispose();
                health = http.GetAsync(url + "health").GetAwaiter().GetResult();
                body = health.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                return !health.IsSuccessStatusCode;
            }, "/health to report the stuck table");
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health!.StatusCode);
            Assert.Contains("\"status\":\"unhealthy\"", body, StringComparison.Ordinal);
            Assert.Contains("tasks of table b failing since", body, StringComparison.Ordinal);
            health.Dispose();

            var metrics = await http.GetStringAsync(url + "metrics");
            Assert.Matches("""customertrack_stage_failing\{[^}]*stage="tasks",table="b"\} 1""", metrics);
            Assert.DoesNotMatch("""customertrack_stage_failing\{[^}]*table="a"\}""", metrics);
            foreach (var table in (string[])["a", "b"])
            {
                Assert.Matches($$"""customertrack_stream_lag\{[^}]*table="{{table}}"\}""", metrics);
                Assert.Matches($$"""customertrack_queue_depth\{[^}]*stage="stream",table="{{table}}"\}""", metrics);
                Assert.Matches($$"""customertrack_queue_oldest_age_seconds\{[^}]*stage="stream",table="{{table}}"\}""", metrics);
            }

            using (var kill = Process.Start("kill", ["-INT", run.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await run.Process.WaitForExitAsync(guard.Token);
            Assert.True(run.Process.ExitCode == 4, $"exit {run.Process.ExitCode}\n{string.Join("\n", run.Stderr)}");
            Assert.Contains(run.Stderr, l => l.StartsWith("customertrack: run ended with a stage failing: tasks of table b", StringComparison.Ordinal));
        }
        finally
        {
            if (!run.Process.HasExited)
            {
                run.Process.Kill(entireProcessTree: true);
            }
        }
    }
}
