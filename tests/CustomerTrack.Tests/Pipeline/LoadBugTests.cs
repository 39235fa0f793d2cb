using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// Issue "Trust at the edges": a load that meets a bug of ours (not a bad file) leaves the file for the next start. It is
/// not LOAD_FAILED, which would keep a fixed program from ever loading it, and nothing of it is lost.
/// </summary>
public sealed class LoadBugTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_load_that_meets_a_bug_leaves_the_file_unrecorded_exits_4_and_the_next_start_loads_it_whole(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        tmp.Land("first.csv", Samples.First);

        var bugged = await CliRunner.RunAsync(["run", "--once", "--set", "Debug:BugBeforeCommit=load", .. tmp.CliArgs()]);
        Assert.True(bugged.Code == 4, bugged.ToString());
        CliAssert.FailedRun(bugged, "load", "internal error", "Debug:BugBeforeCommit=load");
        var ws = tmp.Open();
        Assert.Equal(["0|0|0"], Db.Rows(ws, "SELECT (SELECT count(*) FROM load_history), (SELECT count(*) FROM customer_raw), (SELECT count(*) FROM customer)"));
        Assert.Single(Directory.GetFiles(Path.Combine(tmp.Dir, "lake"), "first_*.csv", SearchOption.AllDirectories));

        var next = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(next.Code == 0, next.ToString());
        Assert.Equal(["first.csv|LOADED|3|0"], Db.Rows(ws, "SELECT file_name, status, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal(["7|Paris", "8|Wilmslow, Cheshire"], Db.Rows(ws, "SELECT customer_id, city FROM customer ORDER BY customer_id"));
    }
}
