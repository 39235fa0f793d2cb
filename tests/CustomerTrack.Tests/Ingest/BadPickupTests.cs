using System.Text.Json;
using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static CustomerTrack.Tests.Support.IngestHarness;

namespace CustomerTrack.Tests.Ingest;

/// <summary>
/// What ingest must not pick up, or must survive picking up, beyond <see cref="IngestStageTests"/>: files still being
/// written, files that vanish, links and folders, and the temporary names of other writers.
/// </summary>
public sealed class BadPickupTests
{
    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private const string Header = "customer_id,first_name\n";



    /// <summary>Advances the fake clock in small steps until <paramref name="work"/> is done (it waits on that clock).</summary>
    private static async Task<T> AdvanceUntilDoneAsync<T>(FakeTimeProvider time, Task<T> work, TimeSpan step)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!work.IsCompleted)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "the work never finished");
            time.Advance(step);
            await Task.WhenAny(work, Task.Delay(10));
        }

        return await work;
    }

    [Fact]
    public async Task A_file_appended_to_while_it_ages_is_taken_only_once_it_has_been_still_for_the_minimum_age()
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        var (stage, lake, _) = StartIngest(tmp, time, new() { ["Ingest:MinFileAge"] = "1s" });
        var path = Put(tmp, "growing.csv", Header + "1,Ada\n", Now.AddMilliseconds(-100));

        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
        Assert.Equal(Now.AddMilliseconds(900), stage.NextDue);

        // The writer adds a row before the file came of age: its age starts again.
        time.Advance(TimeSpan.FromMilliseconds(800));
        File.AppendAllText(path, "2,Grace\n");
        File.SetLastWriteTimeUtc(path, time.GetUtcNow().UtcDateTime);

        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
        Assert.True(File.Exists(path));
        Assert.Empty(lake.List());
        Assert.Equal(Now.AddMilliseconds(1800), stage.NextDue);

        time.Advance(TimeSpan.FromMilliseconds(800));
        Assert.Equal(1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.False(File.Exists(path));
        Assert.Equal(Header + "1,Ada\n2,Grace\n", File.ReadAllText(lake.PathOf(Assert.Single(lake.List()).Key)));
    }

    [Fact]
    public async Task A_drain_does_not_take_a_file_appended_to_while_it_waits_until_it_has_been_still_for_the_minimum_age()
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        var ws = tmp.Open(new Dictionary<string, string?> { ["Ingest:MinFileAge"] = "1s" });
        var path = Put(tmp, "growing.csv", Header + "1,Ada\n", Now.AddMilliseconds(-100));

        // The drain sees a young file and waits on the (fake) clock; nothing can be taken before the clock moves.
        var drain = Pipelines.DrainAsync(ws, time, Stages.Ingest | Stages.Load);
        File.AppendAllText(path, "2,Grace\n");
        File.SetLastWriteTimeUtc(path, Now.AddMilliseconds(500));
        var drained = await AdvanceUntilDoneAsync(time, drain, TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, drained.FilesIngested);
        var record = JsonSerializer.Deserialize<ProvenanceRecord>(Assert.Single(File.ReadAllLines(ws.ProvenanceFile)))!;
        Assert.Equal(Now.AddMilliseconds(500), record.LandedAt);
        Assert.True(record.ReceivedAt >= Now.AddMilliseconds(1500), $"taken at {record.ReceivedAt:O}, before it was still for 1 s");
        Assert.Equal(["1|Ada", "2|Grace"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
    }

    [Fact]
    public async Task A_file_that_vanishes_between_listing_and_copy_is_skipped_without_a_crash()
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);

        // One file at a time, and a pause after the first is stored: the second is listed but not yet opened.
        var (stage, lake, ws) = StartIngest(tmp, time, new() { ["Ingest:MaxInFlight"] = "1", ["Debug:StepDelay"] = "1s" });
        var first = Put(tmp, "first.csv", Header + "1,Ada\n", Now.AddHours(-2));
        var second = Put(tmp, "second.csv", Header + "2,Grace\n", Now.AddHours(-1));

        var run = stage.RunOnceAsync(CancellationToken.None);
        await CliRunner.WaitUntilAsync(() => File.Exists(ws.ProvenanceFile), "the first file in the lake", 20);
        File.Delete(second);
        Assert.Equal(1, await AdvanceUntilDoneAsync(time, run, TimeSpan.FromSeconds(1)));

        Assert.False(File.Exists(first));
        Assert.Equal("first.csv", LakeKey.Parse(Assert.Single(lake.List()).Key).FileName);
        Assert.Single(File.ReadAllLines(ws.ProvenanceFile));
        Assert.Empty(Directory.GetFiles(Path.Combine(ws.LakeRoot, ".incoming")));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Landing));

        // And the next pass finds nothing to do.
        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Links_to_folders_dangling_links_and_links_planted_in_the_lake_are_never_followed()
    {
        using var tmp = new TempWorkspace();
        var outside = Path.Combine(tmp.Dir, "outside");
        Directory.CreateDirectory(outside);
        var secret = Path.Combine(outside, "secret_0123456789abcdef.csv");
        File.WriteAllText(secret, Header + "666,Mallory\n");
        File.SetLastWriteTimeUtc(secret, DateTime.UtcNow.AddHours(-1));

        Directory.CreateDirectory(tmp.Landing);
        File.CreateSymbolicLink(Path.Combine(tmp.Landing, "folder_link.csv"), outside);
        File.CreateSymbolicLink(Path.Combine(tmp.Landing, "dangling.csv"), Path.Combine(outside, "nothing.csv"));
        var ws = tmp.Open();
        var day = Path.Combine(ws.LakeRoot, "2031", "02", "03");
        Directory.CreateDirectory(day);
        File.CreateSymbolicLink(Path.Combine(day, "planted_0123456789abcdef.csv"), secret);
        Directory.CreateSymbolicLink(Path.Combine(day, "linked"), outside);
        tmp.Land("real.csv", Header + "1,Ada\n");

        var drained = await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

        Assert.Equal((1, 1), (drained.FilesIngested, drained.FilesLoaded));
        Assert.Equal(["real.csv"], Db.Rows(ws, "SELECT file_name FROM load_history"));
        Assert.Equal(["1|Ada"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw"));
        Assert.Equal(Header + "666,Mallory\n", File.ReadAllText(secret));
        Assert.Equal(["dangling.csv", "folder_link.csv"],
            Directory.GetFileSystemEntries(tmp.Landing).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_named_pipe_in_landing_is_never_opened_and_does_not_hang_the_pipeline()
    {
        using var tmp = new TempWorkspace();
        Directory.CreateDirectory(tmp.Landing);
        var pipe = Path.Combine(tmp.Landing, "pipe.csv");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        File.SetLastWriteTimeUtc(pipe, DateTime.UtcNow.AddHours(-1));
        tmp.Land("real.csv", Header + "1,Ada\n");
        var ws = tmp.Open();

        // Opening a pipe for reading waits for a writer: before the fix this drain never returned.
        var drain = Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);
        Assert.Same(drain, await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(20))));
        var drained = await drain;

        // It holds no bytes, so it is taken as what it shows: an empty file, recorded with its reason.
        Assert.Equal((2, 2), (drained.FilesIngested, drained.FilesLoaded));
        Assert.Equal(["pipe.csv|LOAD_FAILED|0|the file is empty (no header row)", "real.csv|LOADED|1|∅"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded, error FROM load_history ORDER BY file_name"));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Landing));
    }

    [Fact]
    public async Task The_temporary_names_of_other_common_writers_are_never_picked_up()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, _) = StartIngest(tmp, new FakeTimeProvider(Now));
        string[] unfinished = ["a.csv.partial", "b.csv.crdownload", ".c.csv.swp", "d.csv.filepart", "E.CSV.TMP", "f.csv.Part", "."];
        foreach (var name in unfinished.Where(n => n != "."))
        {
            Put(tmp, name, Header + "1,Ada\n", Now.AddHours(-1));
        }

        Put(tmp, "done.csv", Header + "1,Ada\n", Now.AddHours(-1));

        Assert.Equal(1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.Equal("done.csv", LakeKey.Parse(Assert.Single(lake.List()).Key).FileName);
        Assert.Equal(unfinished.Where(n => n != ".").Order(StringComparer.Ordinal),
            Directory.GetFiles(tmp.Landing).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(unfinished, n => Assert.False(IngestStage.IsCandidateName(n), n));
    }

    [Fact]
    public async Task A_folder_in_landing_that_cannot_be_a_table_name_holds_default_table_files_at_any_depth()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, _) = StartIngest(tmp, new FakeTimeProvider(Now));
        var folder = Path.Combine(tmp.Landing, "sub.csv");
        var deeper = Path.Combine(folder, "deeper");
        Directory.CreateDirectory(deeper);
        var inner = Path.Combine(folder, "inner.csv");
        var innermost = Path.Combine(deeper, "innermost.csv");
        foreach (var file in (string[])[inner, innermost])
        {
            File.WriteAllText(file, Header + "1,Ada\n");
            File.SetLastWriteTimeUtc(file, Now.AddHours(-1));
        }

        // landing/<table>/ holds that table's files; a folder whose name no table can have (a partition folder such as
        // 2026/, or sub.csv/) holds the default table's, and sub-folders are read too (issue 23).
        Assert.Equal(2, await stage.RunOnceAsync(CancellationToken.None));
        var keys = lake.List().Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Collection(keys,
            k => Assert.StartsWith("2031/02/03/inner_", k, StringComparison.Ordinal),
            k => Assert.StartsWith("2031/02/03/innermost_", k, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.Null(LakeKey.TableOf(k)));
        Assert.False(File.Exists(inner));
        Assert.False(File.Exists(innermost));
        Assert.Null(stage.NextDue);
    }
}
