using System.Diagnostics;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Ingest;

/// <summary>
/// Landing files that used to stop ingest or lose rows: one the pipeline may not read, one whose mtime is in the
/// future, one whose writer does not rename and pauses with it open. Real files, real processes, a second OS user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostileLandingTests
{
    private static readonly string[] Run = ["run", "--once"];

    [Fact]
    public async Task A_landing_file_the_pipeline_may_not_read_is_skipped_counted_in_status_and_taken_once_readable()
    {
        OtherUser.Ensure();
        using var tmp = new TempWorkspace();
        tmp.Land("a.csv", "customer_id,first_name\n1,Ann\n");
        var secret = tmp.Land("b.csv", "customer_id,first_name\n2,Bea\n");
        tmp.Land("c.csv", "customer_id,first_name\n3,Cy\n");
        Assert.Equal(0, OtherUser.Run("chown", "-R", OtherUser.Name, tmp.Dir).Code);
        Assert.Equal(0, OtherUser.Run("chown", "root", secret).Code);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // The pipeline runs as the other user: b.csv is not its to read.
        var first = await OtherUser.CliAsync([.. Run, "-w", tmp.Dir]);
        Assert.Contains("cannot read b.csv", first.Err, StringComparison.Ordinal);

        // The run finished but left a file behind: exit 3 (issue 13's contract), and the summary says why.
        Assert.True(first.Code == 3, first.ToString());
        Assert.Contains("; 1 landing file(s) unreadable, set aside (see 'customertrack status')", first.Out, StringComparison.Ordinal);
        Assert.Equal(["b.csv"], Directory.GetFiles(tmp.Landing).Select(Path.GetFileName));
        var status = await OtherUser.CliAsync("status", "-w", tmp.Dir);
        Assert.Contains("unreadable: b.csv (", status.Out, StringComparison.Ordinal);
        Assert.Contains("ingest       1 file(s) waiting in landing/", status.Out, StringComparison.Ordinal);

        // Readable again: the next run takes it, and status no longer lists it.
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal(0, OtherUser.Run("chmod", "o+w", tmp.Landing).Code);
        var second = await OtherUser.CliAsync([.. Run, "-w", tmp.Dir]);
        Assert.True(second.Code == 0, second.ToString());
        var after = await OtherUser.CliAsync("query", "SELECT string_agg(first_name, ',' ORDER BY customer_id) FROM customer", "--format", "csv", "-w", tmp.Dir);
        Assert.Contains("Ann,Bea,Cy", after.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("unreadable", (await OtherUser.CliAsync("status", "-w", tmp.Dir)).Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)]             // ten minutes ahead: used to hang run --once until then
    [InlineData(60 * 24 * 1500)] // years ahead: used to end in exit 70 (a delay out of range)
    public async Task A_landing_file_with_a_future_mtime_is_taken_after_the_minimum_age_from_when_it_was_first_seen(int minutesAhead)
    {
        using var tmp = new TempWorkspace();
        tmp.Land("now.csv", "customer_id,first_name\n1,Ann\n");
        var future = tmp.Land("future.csv", "customer_id,first_name\n2,Bea\n");
        File.SetLastWriteTimeUtc(future, DateTime.UtcNow.AddMinutes(minutesAhead));
        var run = await CliRunner.RunAsync([.. Run, "-w", tmp.Dir]).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(["1|Ann", "2|Bea"], Db.Rows(tmp.Open(), "SELECT customer_id, first_name FROM customer ORDER BY 1"));
        Assert.Empty(Directory.GetFiles(tmp.Landing));
    }

    [Fact]
    public async Task A_writer_that_does_not_rename_and_pauses_with_its_file_open_loses_no_rows()
    {
        using var tmp = new TempWorkspace();
        Directory.CreateDirectory(tmp.Landing);
        var path = Path.Combine(tmp.Landing, "slow.csv");

        // A writer holding the file open: two rows, a pause far past Ingest:MinFileAge (200ms), two more rows, close.
        var script = $"exec 3>>'{path}'; printf 'customer_id,first_name\\n1,Ann\\n2,Bea\\n' >&3; sleep 3; printf '3,Cy\\n4,Dee\\n' >&3; exec 3>&-";
        using var writer = Process.Start(new ProcessStartInfo("sh", ["-c", script]) { UseShellExecute = false })!;
        await CliRunner.WaitUntilAsync(() => File.Exists(path) && new FileInfo(path).Length > 0, "the writer to begin");
        var run = await CliRunner.RunAsync([.. Run, "-w", tmp.Dir]).WaitAsync(TimeSpan.FromMinutes(2));
        await writer.WaitForExitAsync();
        Assert.True(run.Code == 0, run.ToString());

        // Whatever run --once took, every row is in the ledger once, or still in landing/ for the next run.
        var next = await CliRunner.RunAsync([.. Run, "-w", tmp.Dir]);
        Assert.True(next.Code == 0, next.ToString());
        var ws = tmp.Open();
        Assert.Equal(["1", "2", "3", "4"], Db.Rows(ws, "SELECT customer_id FROM customer_raw ORDER BY 1"));
        Assert.Equal(1, Db.Count(ws, "SELECT count(*) FROM load_history"));
    }
}
